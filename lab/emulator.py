"""The lab's EC2 inventory in the AWS API emulator, as a real deployment would have it, and the
smoke deploy's look at its stacks (cdk/smoke-deploy.sh).

  emulator.py register CLUSTER VPC_CIDR SUBNET_CIDR NAME=ADDRESS=ROLE[=TAG:VALUE...]...
      creates a VPC and subnet holding the lab addresses and one tagged instance per lab
      host (PrivateIpAddress = the host's lab address; extra pgpilot: tags after the role;
      an empty ROLE: an instance launched by hand, tagged Name=NAME only); prints "NAME
      INSTANCE_ID" lines.
  emulator.py automation CLUSTER DB_USER < PASSWORD
      creates what `cdk deploy` would give the automation: the state table pgpilot-CLUSTER-state,
      the SNS topic pgpilot-CLUSTER, the database secret pgpilot/CLUSTER/db (the password is
      read from standard input, never from the command line) and the rule for pgpool's reports,
      with the deployed rule's pattern (read from cfn-templates/pgpilot-ec2.template.json), which
      delivers them to the queue pgpilot-CLUSTER-pgpool-reports, from which the lab hands them to
      the PgpoolSensor handler as Lambda would; prints their names as KEY=VALUE.
  emulator.py stop INSTANCE_ID
      stops the instance, as the EC2 console's "Stop instance" would.
  emulator.py start INSTANCE_ID
      starts the instance, as the EC2 console's "Start instance" would.
  emulator.py state INSTANCE_ID
      prints the instance's state: pending, running, stopping, stopped...
  emulator.py stack-status STACK
      prints the CloudFormation stack's status and how many resources it lists.
  emulator.py unbootstrap TOOLKIT_STACK
      deletes a CDK toolkit stack (`cdk bootstrap`'s) and the staging bucket that it retains,
      emptied first: the CDK CLI has no command for that.

The endpoint comes from AWS_ENDPOINT_URL, which boto3 reads by itself.
"""
import json
import os
import sys

import boto3
from botocore.config import Config

# An image id that moto knows; the lab's hosts are not booted from it.
IMAGE_ID = "ami-12c6146b"
# The deployed stack, as cdk synth writes it: the lab's rules are its rules.
TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cfn-templates",
                        "pgpilot-ec2.template.json")
PGPOOL_SOURCE = "pgpilot.pgpool"


NO_RETRIES = Config(retries={"total_max_attempts": 1})


def ec2():
    return boto3.client("ec2", config=NO_RETRIES)


def register(cluster, vpc_cidr, subnet_cidr, hosts):
    client = ec2()
    vpc = client.create_vpc(CidrBlock=vpc_cidr)["Vpc"]["VpcId"]
    subnet = client.create_subnet(VpcId=vpc, CidrBlock=subnet_cidr)["Subnet"]["SubnetId"]
    for spec in hosts:
        name, address, role, *extra = spec.split("=")
        if role:
            tags = [
                {"Key": "Name", "Value": f"{cluster}-{name}"},
                {"Key": "pgpilot:cluster", "Value": cluster},
                {"Key": "pgpilot:role", "Value": role},
                {"Key": "pgpilot:name", "Value": name},
            ] + [{"Key": "pgpilot:" + tag.split(":", 1)[0], "Value": tag.split(":", 1)[1]} for tag in extra]
            # As CDK's launch templates set it: IMDSv2 only, and the instance's tags in its metadata.
            metadata = {"HttpTokens": "required", "HttpEndpoint": "enabled", "InstanceMetadataTags": "enabled"}
        else:
            # An instance someone launched by hand: its Name, EC2's metadata defaults.
            tags = [{"Key": "Name", "Value": name}]
            metadata = {}
        instance = client.run_instances(
            ImageId=IMAGE_ID, InstanceType="t4g.micro", MinCount=1, MaxCount=1,
            SubnetId=subnet, PrivateIpAddress=address, MetadataOptions=metadata,
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )["Instances"][0]
        print(name, instance["InstanceId"])


def automation(cluster, db_user, password):
    table = f"pgpilot-{cluster}-state"
    boto3.client("dynamodb", config=NO_RETRIES).create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}])
    topic = boto3.client("sns", config=NO_RETRIES).create_topic(Name=f"pgpilot-{cluster}")["TopicArn"]
    secret = f"pgpilot/{cluster}/db"
    boto3.client("secretsmanager", config=NO_RETRIES).create_secret(
        Name=secret, SecretString=json.dumps({"username": db_user, "password": password}))
    queue = pgpool_reports(cluster)
    print(f"PGPILOT_STATE_TABLE={table}")
    print(f"PGPILOT_TOPIC_ARN={topic}")
    print(f"PGPILOT_DB_SECRET={secret}")
    print(f"PGPILOT_LAB_PGPOOL_REPORTS={queue}")


def sensor_pattern(cluster, template=TEMPLATE):
    """The deployed rule's pattern for pgpool's reports, for CLUSTER instead of the template's."""
    with open(template) as f:
        resources = json.load(f)["Resources"]
    rules = [r["Properties"]["EventPattern"] for r in resources.values() if r["Type"] == "AWS::Events::Rule"
             and r["Properties"].get("EventPattern", {}).get("source") == [PGPOOL_SOURCE]]
    if len(rules) != 1:
        sys.exit(f"emulator.py: {template} holds {len(rules)} rules for source {PGPOOL_SOURCE}, not one")
    pattern = rules[0]
    if not isinstance(pattern.get("detail", {}).get("cluster"), list):
        sys.exit(f"emulator.py: the rule for {PGPOOL_SOURCE} in {template} does not match on detail.cluster")
    return dict(pattern, detail=dict(pattern["detail"], cluster=[cluster]))


def pgpool_reports(cluster):
    """The rule for pgpool's reports and the queue it delivers to, the lab's stand-in for its function."""
    sqs = boto3.client("sqs", config=NO_RETRIES)
    # As long as a run may take: a report whose delivery failed comes back after it, as Lambda retries.
    url = sqs.create_queue(QueueName=f"pgpilot-{cluster}-pgpool-reports",
                           Attributes={"VisibilityTimeout": "120"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = boto3.client("events", config=NO_RETRIES)
    rule = f"pgpilot-{cluster}-pgpool-sensor"
    events.put_rule(Name=rule, EventPattern=json.dumps(sensor_pattern(cluster)))
    events.put_targets(Rule=rule, Targets=[{"Id": "pgpool-reports", "Arn": arn}])
    return url


def stop(instance_id):
    ec2().stop_instances(InstanceIds=[instance_id])


def start(instance_id):
    ec2().start_instances(InstanceIds=[instance_id])


def state(instance_id):
    reservations = ec2().describe_instances(InstanceIds=[instance_id])["Reservations"]
    print(reservations[0]["Instances"][0]["State"]["Name"])


def stack_status(stack):
    cloudformation = boto3.client("cloudformation", config=NO_RETRIES)
    status = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack)
    print(status, sum(len(page["StackResourceSummaries"]) for page in pages))


def unbootstrap(toolkit_stack):
    cloudformation = boto3.client("cloudformation", config=NO_RETRIES)
    pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=toolkit_stack)
    bucket = next(r["PhysicalResourceId"] for page in pages for r in page["StackResourceSummaries"]
                  if r.get("LogicalResourceId") == "StagingBucket")
    cloudformation.delete_stack(StackName=toolkit_stack)
    s3 = boto3.client("s3", config=NO_RETRIES)
    # The staging bucket is versioned: every version and delete marker goes.
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                   for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)


def main(argv):
    if len(argv) >= 5 and argv[1] == "register":
        register(argv[2], argv[3], argv[4], argv[5:])
    elif len(argv) == 4 and argv[1] == "automation":
        automation(argv[2], argv[3], sys.stdin.read().strip())
    elif len(argv) == 3 and argv[1] == "stop":
        stop(argv[2])
    elif len(argv) == 3 and argv[1] == "start":
        start(argv[2])
    elif len(argv) == 3 and argv[1] == "state":
        state(argv[2])
    elif len(argv) == 3 and argv[1] == "stack-status":
        stack_status(argv[2])
    elif len(argv) == 3 and argv[1] == "unbootstrap":
        unbootstrap(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
