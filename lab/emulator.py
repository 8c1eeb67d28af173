"""The lab's EC2 inventory in the AWS API emulator, as a real deployment would have it.

  emulator.py register CLUSTER VPC_CIDR SUBNET_CIDR NAME=ADDRESS=ROLE[=TAG:VALUE...]...
      creates a VPC and subnet holding the lab addresses and one tagged instance per lab
      host (PrivateIpAddress = the host's lab address; extra pgpilot: tags after the role);
      prints "NAME INSTANCE_ID" lines.
  emulator.py stop INSTANCE_ID
      stops the instance, as the EC2 console's "Stop instance" would.

The endpoint comes from AWS_ENDPOINT_URL, which boto3 reads by itself.
"""
import sys

import boto3
from botocore.config import Config

# An image id that moto knows; the lab's hosts are not booted from it.
IMAGE_ID = "ami-12c6146b"


def ec2():
    return boto3.client("ec2", config=Config(retries={"total_max_attempts": 1}))


def register(cluster, vpc_cidr, subnet_cidr, hosts):
    client = ec2()
    vpc = client.create_vpc(CidrBlock=vpc_cidr)["Vpc"]["VpcId"]
    subnet = client.create_subnet(VpcId=vpc, CidrBlock=subnet_cidr)["Subnet"]["SubnetId"]
    for spec in hosts:
        name, address, role, *extra = spec.split("=")
        tags = [
            {"Key": "Name", "Value": f"{cluster}-{name}"},
            {"Key": "pgpilot:cluster", "Value": cluster},
            {"Key": "pgpilot:role", "Value": role},
            {"Key": "pgpilot:name", "Value": name},
        ] + [{"Key": "pgpilot:" + tag.split(":", 1)[0], "Value": tag.split(":", 1)[1]} for tag in extra]
        instance = client.run_instances(
            ImageId=IMAGE_ID, InstanceType="t4g.micro", MinCount=1, MaxCount=1,
            SubnetId=subnet, PrivateIpAddress=address,
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )["Instances"][0]
        print(name, instance["InstanceId"])


def stop(instance_id):
    ec2().stop_instances(InstanceIds=[instance_id])


def main(argv):
    if len(argv) >= 5 and argv[1] == "register":
        register(argv[2], argv[3], argv[4], argv[5:])
    elif len(argv) == 3 and argv[1] == "stop":
        stop(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
