"""The lab's EC2 instances behave like EC2's where pgpilot's safety depends on it.

Loaded by emulator_server.py when the lab starts the emulator (PGPILOT_LAB_HOOK is set); without
it moto keeps its own behaviour, where StopInstances makes an instance stopped at once and nothing
on any host changes.

- StopInstances: the instance is `stopping` for PGPILOT_LAB_STOPPING_SECONDS (with Force=true,
  PGPILOT_LAB_FORCE_STOPPING_SECONDS) while everything on its host still runs, as on EC2, where a
  stop takes tens of seconds; then the host shuts down (`HOOK shutdown NAME orderly|force`: an OS
  shutdown, or a power-off when forced) and the instance is `stopped`.
- StartInstances: the instance is `pending` for PGPILOT_LAB_PENDING_SECONDS, then `running`, and
  its host boots (`HOOK boot NAME`): its network comes up and a database host runs the boot gate
  that the CDK user data installs (cdk/src/main/resources/io/pgpilot/cdk/pgpilot-boot.sh).
- Instance metadata: the boot gate reads the instance's tags as a host reads them from EC2's
  instance metadata service (IMDSv2: PUT /latest/api/token, then GET
  /latest/meta-data/tags/instance/KEY with the token). The lab serves that on
  PGPILOT_LAB_METADATA (ADDRESS:PORT, the lab bridge's address) and answers each host with the
  tags of the instance whose private address is the caller's.

Only the instances of the lab's cluster (pgpilot:cluster = PGPILOT_LAB_CLUSTER) get this; every
other instance in the emulator (a smoke deploy's) keeps moto's behaviour. Each transition runs in
a thread of its own and ends by itself: a hook is bounded by PGPILOT_LAB_HOOK_SECONDS.
"""
import copy
import os
import secrets
import shlex
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

from moto.ec2.models import ec2_backends
from moto.ec2.models.instances import Instance
from moto.ec2.responses.instances import InstanceResponse

import bridge

PENDING, RUNNING, STOPPING, STOPPED = (0, "pending"), (16, "running"), (64, "stopping"), (80, "stopped")
TOKEN_TTL_MAX = 21600

_settings = {}
_forced = threading.local()
_tokens = {}
_tokens_lock = threading.Lock()


def _say(message):
    print(f"pgpilot lab lifecycle: {message}", file=sys.stderr, flush=True)


def _tags(instance):
    tags = {}
    for tag in instance.get_tags():
        tags[tag.get("key", tag.get("Key"))] = tag.get("value", tag.get("Value"))
    return tags


def _lab_name(instance):
    """The lab host's name when the instance is one of the lab's cluster, else None."""
    tags = _tags(instance)
    if tags.get("pgpilot:cluster") != _settings["cluster"]:
        return None
    return tags.get("pgpilot:name")


def _set_state(instance, state, reason=None):
    instance._state.code, instance._state.name = state
    if reason is not None:
        instance._reason = reason


def _hook(*args):
    command = shlex.split(_settings["hook"]) + list(args)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=_settings["hook_seconds"],
                              check=False)
    except subprocess.TimeoutExpired:
        _say(f"{' '.join(args)}: the hook did not finish in {_settings['hook_seconds']} s")
        return False
    for line in (done.stdout + done.stderr).splitlines():
        _say(f"{' '.join(args)}: {line}")
    if done.returncode != 0:
        _say(f"{' '.join(args)}: the hook failed with exit code {done.returncode}")
    return done.returncode == 0


def _stop_later(instance, name, forced):
    time.sleep(_settings["force_stopping" if forced else "stopping"])
    if instance._state.name != "stopping":
        return  # a forced stop came first
    mode = "force" if forced else "orderly"
    if not _hook("shutdown", name, mode):
        # The host may still run: EC2 would not report it stopped either, so a fence never
        # mistakes this for a stopped instance.
        _say(f"{name} stays stopping: its host did not shut down")
        return
    _set_state(instance, STOPPED, f"User initiated ({time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())})")
    _say(f"{name} ({instance.id}) stopped ({mode})")


def _start_later(instance, name):
    time.sleep(_settings["pending"])
    _set_state(instance, RUNNING, "")
    _say(f"{name} ({instance.id}) running; booting its host")
    _hook("boot", name)


_original_stop = Instance.stop
_original_start = Instance.start
_original_stop_instances = InstanceResponse.stop_instances


def _stop_instances(self):
    """StopInstances, with its Force flag handed to the instances' stop (moto drops it)."""
    _forced.value = self._get_bool_param("Force", False)
    try:
        return _original_stop_instances(self)
    finally:
        _forced.value = False


def _stop(self):
    name = _lab_name(self)
    if name is None:
        return _original_stop(self)
    previous = copy.copy(self._state)
    forced = getattr(_forced, "value", False)
    # A forced stop of an instance already stopping cuts its orderly shutdown short, as on EC2.
    if self._state.name == "stopped" or (self._state.name == "stopping" and not forced):
        return previous
    _set_state(self, STOPPING)
    _say(f"{name} ({self.id}) stopping{' (forced)' if forced else ''}")
    threading.Thread(target=_stop_later, args=(self, name, forced), name=f"stop-{name}", daemon=True).start()
    return previous


def _start(self):
    name = _lab_name(self)
    if name is None:
        return _original_start(self)
    previous = copy.copy(self._state)
    if self._state.name != "stopped":
        return previous  # EC2 refuses to start an instance that is not stopped; moto does not check
    for nic in self.nics.values():
        nic.start()
    _set_state(self, PENDING, "")
    _say(f"{name} ({self.id}) pending")
    threading.Thread(target=_start_later, args=(self, name), name=f"start-{name}", daemon=True).start()
    return previous


class _Metadata(BaseHTTPRequestHandler):
    """IMDSv2's token and instance tags, for the lab host whose address calls."""

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass

    def _answer(self, status, body=""):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):  # noqa: N802 (http.server's name)
        if self.path != "/latest/api/token":
            return self._answer(404)
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            return self._answer(400)
        if not 1 <= ttl <= TOKEN_TTL_MAX:
            return self._answer(400)
        token = secrets.token_urlsafe(32)
        with _tokens_lock:
            _tokens[token] = time.monotonic() + ttl
        return self._answer(200, token)

    def do_GET(self):  # noqa: N802
        with _tokens_lock:
            expires = _tokens.get(self.headers.get("X-aws-ec2-metadata-token", ""))
        if expires is None or expires < time.monotonic():
            return self._answer(401)
        prefix = "/latest/meta-data/tags/instance/"
        if not self.path.startswith(prefix):
            return self._answer(404)
        instance = _instance_at(self.client_address[0])
        # As EC2: an instance's tags are in its metadata only when its metadata options allow it.
        if instance is None or instance.metadata_options.instance_metadata_tags != "enabled":
            return self._answer(404)
        value = _tags(instance).get(self.path[len(prefix):])
        return self._answer(404) if value is None else self._answer(200, value)


def _instance_at(address):
    backend = ec2_backends[_settings["account"]][_settings["region"]]
    for instance in backend.all_instances():
        if instance.private_ip == address and instance._state.name != "terminated" and _lab_name(instance):
            return instance
    return None


def install_from_env(env=os.environ):
    """Installs the lab's EC2 lifecycle when the lab asks for it; returns whether it did."""
    hook = env.get("PGPILOT_LAB_HOOK")
    if not hook:
        return False
    _settings.update(
        hook=hook,
        cluster=env.get("PGPILOT_LAB_CLUSTER", "lab"),
        account=env.get("MOTO_ACCOUNT_ID", "123456789012"),
        region=env.get("PGPILOT_LAB_REGION", "us-east-1"),
        stopping=float(env.get("PGPILOT_LAB_STOPPING_SECONDS", "30")),
        force_stopping=float(env.get("PGPILOT_LAB_FORCE_STOPPING_SECONDS", "5")),
        pending=float(env.get("PGPILOT_LAB_PENDING_SECONDS", "10")),
        hook_seconds=float(env.get("PGPILOT_LAB_HOOK_SECONDS", "120")),
    )
    Instance.stop = _stop
    Instance.start = _start
    InstanceResponse.stop_instances = _stop_instances
    metadata = env.get("PGPILOT_LAB_METADATA")
    if metadata:
        address, port = metadata.rsplit(":", 1)
        bridge.serve(address, int(port), _Metadata, "instance metadata", _say)
    _say(f"stop {_settings['stopping']} s (forced {_settings['force_stopping']} s), start {_settings['pending']} s")
    return True
