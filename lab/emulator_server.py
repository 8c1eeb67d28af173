"""The lab's AWS API emulator: moto server plus the CloudFormation providers pgpilot's stack needs.

  emulator_server.py [-H HOST] [-p PORT] ...   the arguments of `python -m moto.server`

moto 5.2.1's CloudFormation creates a resource only when one of its models declares the resource
type, and silently skips every other type; whatever then refers to a skipped resource gets no
value (an IAM policy without its Resource, an EventBridge target without its Arn, ...), and the
stack fails. What is added here, for pgpilot's template (cfn-templates/pgpilot-ec2.template.json)
and what `cdk bootstrap`, `cdk deploy` and `cdk destroy` do with it (cdk/smoke-deploy.sh):

- providers for the types moto lacks: SecretsManager::Secret, Lambda::Alias, CloudWatch::Alarm,
  EC2::SecurityGroupEgress, SNS::TopicPolicy, SQS::QueuePolicy, S3::BucketPolicy, Lambda::EventInvokeConfig;
- a stand-in for pgpilot's custom resource Custom::PgpilotClusterCa, whose function moto could run
  only in Docker: created at once, its function not run;
- replacements of moto's models where they break the stack: Lambda::Version (no Fn::GetAtt),
  ElasticLoadBalancingV2::LoadBalancer (Type ignored), ElasticLoadBalancingV2::TargetGroup (no
  Fn::GetAtt), EC2::RouteTable (never deleted, so the VPC cannot be);
- two fixes of moto's engine: the Outputs of a stack made through a change set, and the code of
  deleted Lambda functions, which moto would keep in memory for good;
- with the lab (PGPILOT_LAB_HOOK set), EC2 instances that stop, start and boot their lab hosts as
  EC2 instances do, and the instance metadata the hosts' boot gate reads (instance_lifecycle.py);
- DynamoDB requests served one at a time: moto's server is threaded and checks a condition
  expression and writes the item in two moves, so two concurrent conditional writes could both
  pass, where DynamoDB makes each one atomic (the cluster lease relies on it).

Every provider creates its resource in moto's own service backend, so that the resource is real to
the ordinary APIs (GetSecretValue, GetAlias, DescribeAlarms, DescribeSecurityGroups, ...), and
removes it again when the stack is deleted. What a provider does not support fails loudly.

moto finds CloudFormation models through CloudFormationModel.__subclasses__() (direct subclasses
only; moto/cloudformation/parsing.py get_model_map), keyed by cloudformation_type(), the last one
defined winning. So each provider names CloudFormationModel as a direct base, and is defined after
moto.cloudformation.parsing has imported moto's own models; main() checks that moto picks every
provider before it serves a request.
"""
import json
import sys
import threading

import moto
import moto.cloudformation.parsing as cfn_parsing
from moto.autoscaling.models import autoscaling_backends
from moto.awslambda.exceptions import UnknownEventConfig, UnknownFunctionException
from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.cloudformation.models import ChangeSet, cloudformation_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.ec2.exceptions import InvalidSecurityGroupNotFoundError
from moto.ec2.models import ec2_backends
from moto.ec2.models.route_tables import RouteTable
from moto.elbv2.exceptions import ResourceInUseError
from moto.elbv2.models import FakeLoadBalancer, elbv2_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.utilities.utils import get_partition
from moto.server import main as moto_server_main
from moto.sns.models import sns_backends
from moto.sqs.exceptions import QueueDoesNotExist
from moto.sqs.models import sqs_backends

import events_gateway
import s3_gateway
import instance_lifecycle


# moto's model metaclass files every model under the service named by its module's second
# component ("moto.SERVICE.models"), for moto's model-instance bookkeeping.
MODULE = "moto_pgpilot.cloudformation"


class _Provided:
    """What CloudFormation keeps of a resource that lives in a moto backend: its Ref and GetAtts."""

    def __init__(self, ref, attributes=None):
        self.ref = ref
        self.attributes = attributes or {}

    @property
    def physical_resource_id(self):
        return self.ref

    @classmethod
    def cloudformation_name_type(cls):
        return cls.NAME_PROPERTY

    @classmethod
    def cloudformation_type(cls):
        return cls.TYPE

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name):
        if attribute_name not in self.attributes:
            raise UnformattedGetAttTemplateException()
        return self.attributes[attribute_name]

    def is_created(self):
        return True


def _unsupported(resource_type, what):
    raise ValidationError(message=f"pgpilot's emulator: {resource_type} with {what} is not provided")


class SecretsManagerSecret(_Provided, CloudFormationModel):
    """AWS::SecretsManager::Secret: moto 5.2.1 has no CloudFormation model for it."""

    __module__ = MODULE

    TYPE = "AWS::SecretsManager::Secret"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = ("Id",)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = secretsmanager_backends[account_id][region_name]
        secret_string = props.get("SecretString")
        if secret_string is None and "GenerateSecretString" in props:
            secret_string = cls._generate(backend, props["GenerateSecretString"])
        secret = backend.create_secret(
            name=resource_name, secret_string=secret_string, secret_binary=None,
            description=props.get("Description"), tags=props.get("Tags"),
            kms_key_id=props.get("KmsKeyId"), client_request_token=None,
            replica_regions=props.get("ReplicaRegions", []), force_overwrite=False)
        arn = json.loads(secret)["ARN"]
        return cls(arn, {"Id": arn})

    @staticmethod
    def _generate(backend, spec):
        # CloudFormation's GenerateSecretString: a random password, alone or put under
        # GenerateStringKey into the JSON object SecretStringTemplate.
        password = json.loads(backend.get_random_password(
            password_length=spec.get("PasswordLength", 32),
            exclude_characters=spec.get("ExcludeCharacters", ""),
            exclude_numbers=spec.get("ExcludeNumbers", False),
            exclude_punctuation=spec.get("ExcludePunctuation", False),
            exclude_uppercase=spec.get("ExcludeUppercase", False),
            exclude_lowercase=spec.get("ExcludeLowercase", False),
            include_space=spec.get("IncludeSpace", False),
            require_each_included_type=spec.get("RequireEachIncludedType", True),
        ))["RandomPassword"]
        if "SecretStringTemplate" not in spec:
            return password
        template = json.loads(spec["SecretStringTemplate"])
        template[spec["GenerateStringKey"]] = password
        return json.dumps(template)

    def delete(self, account_id, region_name):
        # CloudFormation deletes a secret without a recovery window, so its name is free again.
        secretsmanager_backends[account_id][region_name].delete_secret(
            self.ref, recovery_window_in_days=None, force_delete_without_recovery=True)


class LambdaAlias(_Provided, CloudFormationModel):
    """AWS::Lambda::Alias: moto 5.2.1 has no CloudFormation model for it (Ref = the alias ARN)."""

    __module__ = MODULE

    TYPE = "AWS::Lambda::Alias"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = ("AliasArn",)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        props = cloudformation_json["Properties"]
        if "RoutingConfig" in props or "ProvisionedConcurrencyConfig" in props:
            _unsupported(cls.TYPE, "RoutingConfig or ProvisionedConcurrencyConfig")
        alias = lambda_backends[account_id][region_name].create_alias(
            name=resource_name, function_name=props["FunctionName"],
            function_version=props["FunctionVersion"], description=props.get("Description", ""),
            routing_config=None)
        provided = cls(alias.arn, {"AliasArn": alias.arn})
        provided.function_name = props["FunctionName"]
        provided.name = resource_name
        return provided

    def delete(self, account_id, region_name):
        try:
            lambda_backends[account_id][region_name].delete_alias(self.name, self.function_name)
        except UnknownFunctionException:
            pass  # the function went first (moto deletes in no set order) and took its aliases


class LambdaVersion(_Provided, CloudFormationModel):
    """AWS::Lambda::Version: moto 5.2.1's model publishes the version but answers no Fn::GetAtt
    (the aliases need Version), and its Ref is no ARN at all."""

    __module__ = MODULE

    TYPE = "AWS::Lambda::Version"
    NAME_PROPERTY = ""
    ATTRIBUTES = ("Version", "FunctionArn")

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = lambda_backends[account_id][region_name]
        version = backend.publish_version(props["FunctionName"], props.get("Description", ""))
        provided = cls(version.function_arn, {"Version": str(version.version),
                                              "FunctionArn": version.function_arn})
        provided.function_name = props["FunctionName"]
        provided.version = str(version.version)
        return provided

    def delete(self, account_id, region_name):
        try:
            lambda_backends[account_id][region_name].delete_function(
                self.function_name, self.version)
        except UnknownFunctionException:
            pass  # the function went first and took its versions


class CloudWatchAlarm(_Provided, CloudFormationModel):
    """AWS::CloudWatch::Alarm: moto 5.2.1 has no CloudFormation model for it (Ref = the name)."""

    __module__ = MODULE

    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        props = cloudformation_json["Properties"]
        if "Metrics" in props:
            _unsupported(cls.TYPE, "Metrics (metric math)")
        alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=resource_name, namespace=props.get("Namespace"),
            metric_name=props.get("MetricName"),
            comparison_operator=props["ComparisonOperator"],
            evaluation_periods=props["EvaluationPeriods"], period=props.get("Period"),
            threshold=props.get("Threshold"), statistic=props.get("Statistic"),
            description=props.get("AlarmDescription"), dimensions=props.get("Dimensions", []),
            alarm_actions=props.get("AlarmActions", []),
            datapoints_to_alarm=props.get("DatapointsToAlarm"),
            extended_statistic=props.get("ExtendedStatistic"),
            ok_actions=props.get("OKActions"),
            insufficient_data_actions=props.get("InsufficientDataActions"),
            unit=props.get("Unit"), actions_enabled=props.get("ActionsEnabled", True),
            treat_missing_data=props.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=props.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=props.get("ThresholdMetricId"), tags=props.get("Tags"))
        return cls(alarm.name, {"Arn": alarm.alarm_arn})

    def delete(self, account_id, region_name):
        cloudwatch_backends[account_id][region_name].delete_alarms([self.ref])


class SecurityGroupEgress(_Provided, CloudFormationModel):
    """AWS::EC2::SecurityGroupEgress: moto 5.2.1 models only the ingress rule resource."""

    __module__ = MODULE

    TYPE = "AWS::EC2::SecurityGroupEgress"
    NAME_PROPERTY = ""
    ATTRIBUTES = ("Id",)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        rule = cls._rule(cloudformation_json["Properties"])
        rules, _ = ec2_backends[account_id][region_name].authorize_security_group_egress(**rule)
        provided = cls(rules[0].id, {"Id": rules[0].id})
        provided.rule = rule
        return provided

    @classmethod
    def _rule(cls, props):
        if "DestinationPrefixListId" in props:
            _unsupported(cls.TYPE, "DestinationPrefixListId")
        ip_ranges = []
        if "CidrIp" in props:
            ip_ranges.append({"CidrIp": props["CidrIp"], "Description": props.get("Description")})
        if "CidrIpv6" in props:
            ip_ranges.append({"CidrIpv6": props["CidrIpv6"], "Description": props.get("Description")})
        groups = []
        if "DestinationSecurityGroupId" in props:
            groups.append({"GroupId": props["DestinationSecurityGroupId"],
                           "Description": props.get("Description")})
        return {"group_name_or_id": props["GroupId"], "ip_protocol": str(props["IpProtocol"]),
                "from_port": props.get("FromPort"), "to_port": props.get("ToPort"),
                "ip_ranges": ip_ranges, "source_groups": groups}

    def delete(self, account_id, region_name):
        try:
            ec2_backends[account_id][region_name].revoke_security_group_egress(**self.rule)
        except InvalidSecurityGroupNotFoundError:
            pass  # the group went first and took its rules


class SnsTopicPolicy(_Provided, CloudFormationModel):
    """AWS::SNS::TopicPolicy: moto 5.2.1 has no CloudFormation model for it."""

    __module__ = MODULE

    TYPE = "AWS::SNS::TopicPolicy"
    NAME_PROPERTY = ""
    ATTRIBUTES = ("Id",)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = sns_backends[account_id][region_name]
        for topic in props["Topics"]:
            backend.get_topic(topic).policy = json.dumps(props["PolicyDocument"])
        return cls(resource_name, {"Id": resource_name})
    # No delete: the policy goes with its topic, which the same stack deletes.


class SqsQueuePolicy(_Provided, CloudFormationModel):
    """AWS::SQS::QueuePolicy: moto 5.2.1 has no CloudFormation model for it."""

    __module__ = MODULE

    TYPE = "AWS::SQS::QueuePolicy"
    NAME_PROPERTY = ""
    ATTRIBUTES = ("Id",)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = sqs_backends[account_id][region_name]
        # Queues holds the queues' URLs (their Ref), whose last part is the name.
        names = [url.rsplit("/", 1)[-1] for url in props["Queues"]]
        for name in names:
            backend.set_queue_attributes(name, {"Policy": json.dumps(props["PolicyDocument"])})
        provided = cls(resource_name, {"Id": resource_name})
        provided.queue_names = names
        return provided

    def delete(self, account_id, region_name):
        backend = sqs_backends[account_id][region_name]
        for name in self.queue_names:
            try:
                backend.set_queue_attributes(name, {"Policy": ""})
            except QueueDoesNotExist:
                pass  # the queue went first and took its policy


class S3BucketPolicy(_Provided, CloudFormationModel):
    """AWS::S3::BucketPolicy: moto 5.2.1 has no CloudFormation model for it (the archive bucket's and
    the CDK staging bucket's TLS-only policies). moto enforces a policy's Principal * statements
    without their conditions, so a conditional Deny (aws:SecureTransport false) would refuse every
    request: moto gets the statements without a condition, the provider keeps the whole document."""

    __module__ = MODULE

    TYPE = "AWS::S3::BucketPolicy"
    NAME_PROPERTY = ""
    ATTRIBUTES = ("Id",)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        props = cloudformation_json["Properties"]
        document = props["PolicyDocument"]
        statements = document.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        unconditional = [statement for statement in statements if "Condition" not in statement]
        if unconditional:
            backend = s3_backends[account_id][get_partition(region_name)]
            backend.put_bucket_policy(props["Bucket"], json.dumps(dict(document, Statement=unconditional)).encode())
        provided = cls(resource_name, {"Id": resource_name})
        provided.bucket_name = props["Bucket"]
        provided.document = document
        provided.applied = bool(unconditional)
        return provided

    def delete(self, account_id, region_name):
        if not self.applied:
            return
        backend = s3_backends[account_id][get_partition(region_name)]
        try:
            backend.delete_bucket_policy(self.bucket_name)
        except MissingBucket:
            pass  # the bucket went first and took its policy


class LambdaEventInvokeConfig(_Provided, CloudFormationModel):
    """AWS::Lambda::EventInvokeConfig: moto 5.2.1 has no CloudFormation model for it. moto keeps
    the configuration on what the qualifier names (the alias's version) and reads it back for a
    FunctionName that carries the qualifier (NAME:QUALIFIER, or the alias's ARN), not for the
    Qualifier parameter."""

    __module__ = MODULE

    TYPE = "AWS::Lambda::EventInvokeConfig"
    NAME_PROPERTY = ""
    ATTRIBUTES = ()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        props = cloudformation_json["Properties"]
        if props["FunctionName"].startswith("arn:"):
            _unsupported(cls.TYPE, "a FunctionName that is an ARN")
        qualified = f"{props['FunctionName']}:{props['Qualifier']}"
        # The API's request has the template's property names and shapes.
        config = {key: props[key] for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds",
                                              "DestinationConfig") if key in props}
        lambda_backends[account_id][region_name].put_function_event_invoke_config(qualified, config)
        return cls(qualified)

    def delete(self, account_id, region_name):
        try:
            lambda_backends[account_id][region_name].delete_function_event_invoke_config(self.ref)
        except (UnknownFunctionException, UnknownEventConfig):
            pass  # the function, version or alias went first and took its configuration


class ElbV2LoadBalancer(FakeLoadBalancer, CloudFormationModel):
    """AWS::ElasticLoadBalancingV2::LoadBalancer: moto 5.2.1's model ignores Type (every load
    balancer becomes an application one, which refuses a TCP listener) and the attributes.
    Otherwise moto's own model: its objects answer DNSName and LoadBalancerName and delete
    themselves."""

    __module__ = MODULE

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = elbv2_backends[account_id][region_name]
        if "SubnetMappings" in props:
            _unsupported(cls.cloudformation_type(), "SubnetMappings")
        balancer = backend.create_load_balancer(
            resource_name, props.get("SecurityGroups", []), props.get("Subnets", []),
            scheme=props.get("Scheme", "internet-facing"),
            loadbalancer_type=props.get("Type", "application"),
            ip_address_type=props.get("IpAddressType", "ipv4"), tags=props.get("Tags"))
        attributes = {a["Key"]: a["Value"] for a in props.get("LoadBalancerAttributes", [])}
        if attributes:
            backend.modify_load_balancer_attributes(balancer.arn, attributes)
        return balancer


class ElbV2TargetGroup(_Provided, CloudFormationModel):
    """AWS::ElasticLoadBalancingV2::TargetGroup: moto 5.2.1's model answers no Fn::GetAtt at all
    (the pgpool alarm's dimension needs TargetGroupFullName), drops TargetGroupAttributes and
    leaves the group behind when its stack is deleted."""

    __module__ = MODULE

    TYPE = "AWS::ElasticLoadBalancingV2::TargetGroup"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = ("TargetGroupArn", "TargetGroupFullName", "TargetGroupName", "LoadBalancerArns")

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = elbv2_backends[account_id][region_name]
        if "Targets" in props:
            _unsupported(cls.TYPE, "Targets")
        group = backend.create_target_group(
            name=resource_name, vpc_id=props.get("VpcId"), protocol=props.get("Protocol"),
            port=props.get("Port"), healthcheck_protocol=props.get("HealthCheckProtocol"),
            healthcheck_port=props.get("HealthCheckPort"),
            healthcheck_path=props.get("HealthCheckPath"),
            healthcheck_interval_seconds=props.get("HealthCheckIntervalSeconds"),
            healthcheck_timeout_seconds=props.get("HealthCheckTimeoutSeconds"),
            healthcheck_enabled=props.get("HealthCheckEnabled"),
            healthy_threshold_count=props.get("HealthyThresholdCount"),
            unhealthy_threshold_count=props.get("UnhealthyThresholdCount"),
            matcher=props.get("Matcher"), target_type=props.get("TargetType"))
        attributes = {a["Key"]: a["Value"] for a in props.get("TargetGroupAttributes", [])}
        if attributes:
            backend.modify_target_group_attributes(group.arn, attributes)
        # The ARN ends in "targetgroup/NAME/ID", which is what CloudWatch calls the full name;
        # LoadBalancerArns is moto's own list, which its listeners fill in.
        return cls(group.arn, {"TargetGroupArn": group.arn, "TargetGroupName": group.name,
                               "TargetGroupFullName": group.arn.split(":", 5)[5],
                               "LoadBalancerArns": group.load_balancer_arns})

    def delete(self, account_id, region_name):
        # moto deletes a stack's resources in no particular order, retrying what fails; an Auto
        # Scaling group deleted after its target group fails for good, so the group waits.
        groups = autoscaling_backends[account_id][region_name].autoscaling_groups.values()
        if any(self.ref in group.target_group_arns for group in groups):
            raise ResourceInUseError(f"{self.ref} is a target group of an Auto Scaling group")
        elbv2_backends[account_id][region_name].delete_target_group(self.ref)


class Ec2RouteTable(RouteTable, CloudFormationModel):
    """AWS::EC2::RouteTable: moto 5.2.1 deletes neither a route table nor its subnet associations
    (AWS::EC2::SubnetRouteTableAssociation) with the stack, and then refuses to delete the VPC
    ("has dependencies"), failing the whole stack deletion. Otherwise moto's own model."""

    __module__ = MODULE

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name):
        backend = ec2_backends[account_id][region_name]
        table = backend.get_route_table(resource_name)
        # The associations belong to the same stack, which is being deleted.
        for association in table.associations:
            if not association["Main"]:
                backend.disassociate_route_table(association["RouteTableAssociationId"])
        backend.delete_route_table(resource_name)


class ClusterCaStandIn(_Provided, CloudFormationModel):
    """Custom::PgpilotClusterCa (pgpilot's ClusterCa): moto would run the custom resource's function in
    Docker, which these machines have not, and the stack would wait for its answer for good. The
    stand-in answers at once, with the physical id the function gives (the SecretId), and runs
    nothing: the CA secret stays without a value. ClusterCaIT runs the function's handler against
    the emulator's Secrets Manager, and SmokeDeployIT against the deployed stack's secret."""

    __module__ = MODULE

    TYPE = "Custom::PgpilotClusterCa"
    NAME_PROPERTY = ""
    ATTRIBUTES = ()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        return cls(cloudformation_json["Properties"]["SecretId"])
    # No delete: a Delete of the real function changes nothing either.


_resource_class_from_type = cfn_parsing.resource_class_from_type


def _custom_resources_stood_in(resource_type):
    # moto returns its CustomModel for every Custom:: type before it looks at the models.
    if resource_type == ClusterCaStandIn.TYPE:
        return ClusterCaStandIn
    return _resource_class_from_type(resource_type)


cfn_parsing.resource_class_from_type = _custom_resources_stood_in


def _apply_change_set_with_outputs(change_set, _apply=ChangeSet.apply):
    """moto 5.2.1 opens a stack made through a change set (the CDK CLI always uses one) with an
    empty template and evaluates its Outputs only then, so the stack never shows any. This one
    engine fix evaluates them from the template that the change set applied, and registers their
    exports as CreateStack does (DeleteStack removes them again)."""
    _apply(change_set)
    stack = change_set.stack
    stack.template_dict = change_set.template_dict
    stack.output_map = stack._create_output_map()
    exports = cloudformation_backends[stack.account_id][stack.region_name].exports
    for export in stack.exports:
        exports[export.name] = export


ChangeSet.apply = _apply_change_set_with_outputs


def _delete_function_and_its_code(backend, function_name, qualifier=None,
                                  _delete=LambdaBackend.delete_function):
    """moto keeps every model object it ever made (BaseModel.instances_tracked, for its reset
    API), so a deleted function kept its code in memory: the 50 MB functions jar four times over
    per smoke deploy, in an emulator that lives as long as the lab. Forget the code of a function
    once it is gone."""
    _delete(backend, function_name, qualifier)
    try:
        backend.get_function(function_name)
        return  # only a version went
    except UnknownFunctionException:
        pass
    name = function_name.split(":function:")[-1].split(":")[0]  # a name or an ARN
    for function in LambdaFunction.instances_tracked:
        if (function.function_name, function.account_id, function.region) == \
                (name, backend.account_id, backend.region_name):
            function.code_bytes = b""


LambdaBackend.delete_function = _delete_function_and_its_code


_DYNAMODB = threading.Lock()
_dispatch = DomainDispatcherApplication.__call__


def _dynamodb_one_at_a_time(self, environ, start_response):
    """DynamoDB's conditional writes are atomic; moto's are only when no other request runs meanwhile."""
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        with _DYNAMODB:
            return list(_dispatch(self, environ, start_response))
    return _dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = _dynamodb_one_at_a_time


PROVIDERS = (SecretsManagerSecret, LambdaVersion, LambdaAlias, CloudWatchAlarm, SecurityGroupEgress,
             SnsTopicPolicy, SqsQueuePolicy, S3BucketPolicy, LambdaEventInvokeConfig, ElbV2LoadBalancer,
             ElbV2TargetGroup, Ec2RouteTable)


def main():
    models = cfn_parsing.get_model_map()
    for provider in PROVIDERS:
        chosen = models.get(provider.cloudformation_type())
        if chosen is not provider:
            sys.exit(f"emulator_server: moto {moto.__version__} picks {chosen} for"
                     f" {provider.cloudformation_type()}, not pgpilot's provider (written for 5.2.1)")
    instance_lifecycle.install_from_env()
    events_gateway.install_from_env()
    s3_gateway.install_from_env()
    moto_server_main(sys.argv[1:])


if __name__ == "__main__":
    main()
