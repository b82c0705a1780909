"""The Label Studio server we run: install, start, stop, status, admin user and API token.

Label Studio is a Django application with its own pins, so it lives in its own
virtual environment (``.venv-labelstudio`` beside the package source, or
``LABEL_STUDIO_VENV``), never as a dependency of this package.

The server listens on 127.0.0.1 only, keeps its SQLite database under
``.labelstudio/`` (or ``LABEL_STUDIO_DATA_DIR``) and reports nothing to the
outside. PostgreSQL is used instead when ``DJANGO_DB=default`` and
``POSTGRE_NAME``, ``POSTGRE_USER``, ``POSTGRE_PASSWORD``, ``POSTGRE_HOST``,
``POSTGRE_PORT`` are set: the environment is passed through unchanged.

The admin's Personal Access Token is created through the Django ORM of the
server's venv (no browser) and written, mode 0600, to
``$XDG_STATE_HOME/corpus-pkg/labelstudio/<port>.token`` (default
``~/.local/state/...``), outside the git tree; the generated admin password
sits beside it as ``<port>.password``. Neither is ever printed or logged, and
one that other users can open is refused (see credentials.py).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus_pkg.errors import CorpusError
from corpus_pkg.labelstudio.credentials import (
    InsecureFileError,
    check_private,
    read_secret,
    redact,
    remember,
    write_secret,
)
from corpus_pkg.project import current

LS_VERSION = "1.23.2"
DEFAULT_PORT = 8080
DEFAULT_EMAIL = "admin@corpus.local"
HOST = "127.0.0.1"
READY_TIMEOUT = 240.0

# Variables that keep the server from talking to the outside world.
QUIET_ENV = {
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "LATEST_VERSION_CHECK": "false",
    "COLLECT_ANALYTICS": "false",
}

# Runs inside the server's venv: (re)creates the admin's Personal Access Token.
_TOKEN_SCRIPT = r"""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__import__('label_studio').__file__)))
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'label_studio.core.settings.label_studio')
import django
django.setup()
from users.models import User
from jwt_auth.models import LSAPIToken
user = User.objects.get(email=sys.argv[1])
sys.stdout.write(LSAPIToken.for_user(user).get_full_jwt())
"""


class ServerError(CorpusError):
    """Label Studio cannot be installed, started, reached or stopped."""

    def __init__(self, message: str) -> None:
        # Messages quote the server's log and subprocess output, which may hold the password or a token.
        super().__init__(redact(message))


@dataclass(frozen=True)
class ServerInfo:
    url: str
    port: int
    pid: int | None
    data_dir: Path
    token_file: Path
    log_file: Path


def _home() -> Path:
    """Where the server's venv and data live: the project's checkout, else the user's data folder."""
    root = current().root
    if root is not None:
        return root
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "corpus-pkg"


def venv_dir() -> Path:
    return Path(os.environ.get("LABEL_STUDIO_VENV") or _home() / ".venv-labelstudio")


def data_dir() -> Path:
    return Path(os.environ.get("LABEL_STUDIO_DATA_DIR") or _home() / ".labelstudio")


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "corpus-pkg" / "labelstudio"


def default_port() -> int:
    return int(os.environ.get("LABEL_STUDIO_PORT") or DEFAULT_PORT)


def token_file(port: int, states: Path | None = None) -> Path:
    return (states or state_dir()) / f"{port}.token"


def password_file(port: int, states: Path | None = None) -> Path:
    return (states or state_dir()) / f"{port}.password"


def _bin(name: str, venv: Path | None = None) -> Path:
    return (venv or venv_dir()) / "bin" / name


def installed_version(venv: Path | None = None) -> str | None:
    py = _bin("python", venv)
    if not _bin("label-studio", venv).exists() or not py.exists():
        return None
    out = subprocess.run(
        [str(py), "-c", "import importlib.metadata as m; print(m.version('label-studio'))"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() if out.returncode == 0 else None


def install(venv: Path | None = None, echo: Callable[[str], None] = lambda s: None) -> bool:
    """Install label-studio==LS_VERSION into its venv; False when it was already there."""
    venv = venv or venv_dir()
    if installed_version(venv) == LS_VERSION:
        return False
    if not _bin("python", venv).exists():
        echo(f"creating {venv}")
        _run([sys.executable, "-m", "venv", str(venv)], "creating the Label Studio venv")
    echo(f"installing label-studio=={LS_VERSION} into {venv} (about 1 GB, 1 to 2 minutes)")
    _run(
        [
            str(_bin("python", venv)),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"label-studio=={LS_VERSION}",
        ],
        f"pip install label-studio=={LS_VERSION}",
    )
    if installed_version(venv) != LS_VERSION:
        raise ServerError(f"label-studio {LS_VERSION} is still not importable from {venv}")
    return True


def _run(cmd: list[str], what: str) -> None:
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-15:])
        raise ServerError(f"{what} failed (exit {out.returncode}):\n{tail}")


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # SO_REUSEADDR: a port left in TIME_WAIT by a stopped server counts as free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def url_for(port: int) -> str:
    return f"http://{HOST}:{port}"


class NotLabelStudio(ServerError):
    """Something answers at the URL, but not as Label Studio does."""


def _shape(value: object, limit: int = 80) -> str:
    """A short, redacted repr of an unexpected value, for messages."""
    text = redact(repr(value))
    return text if len(text) <= limit else text[:limit] + "…"


def parse_version(url: str, raw: bytes) -> str:
    """The version in a body of ``/api/version``; NotLabelStudio for any other answer."""
    where = f"{url}/api/version"
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise NotLabelStudio(
            f"{where} answered {_shape(raw[:200])}, which is not JSON: is another program on that port?"
        ) from None
    package = body.get("label-studio-os-package") if isinstance(body, dict) else None
    candidates = [body.get("release") if isinstance(body, dict) else None]
    candidates.append(package.get("version") if isinstance(package, dict) else None)
    # Printed by `status`: a short printable string only (no terminal escapes, no page of text).
    version = next((v.strip() for v in candidates if isinstance(v, str) and v.strip().isprintable()), "")
    if not version or len(version) > 64:
        raise NotLabelStudio(
            f"{where} answered {_shape(body)}, not Label Studio's version object (with a 'release' string): "
            "is another program on that port?"
        )
    return redact(version)


def version_at(url: str, timeout: float = 3.0) -> str | None:
    """The server's version from /api/version; None if nothing answers, NotLabelStudio if something else does."""
    try:
        with urllib.request.urlopen(f"{url}/api/version", timeout=timeout) as r:
            raw = r.read(1_000_000)
    except urllib.error.HTTPError as e:
        raise NotLabelStudio(f"{url}/api/version answered HTTP {e.code}: is this a Label Studio server?") from None
    except (OSError, ValueError):
        return None
    return parse_version(url, raw)


def _pid_file(data: Path) -> Path:
    return data / "server.json"


def _log_file(data: Path) -> Path:
    return data / "server.log"


def _read_pid_file(data: Path) -> dict | None:
    try:
        info = json.loads(_pid_file(data).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    # Hand-edited or truncated: a file without a whole pid and port says nothing runs.
    ok = isinstance(info, dict) and all(isinstance(info.get(k), int) for k in ("pid", "port"))
    return info if ok else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); waitpid reaps it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def _tail(path: Path, n: int = 25) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(lines[-n:])


def _read_secret(path: Path) -> str | None:
    try:
        return read_secret(path)
    except InsecureFileError as e:
        raise ServerError(str(e)) from None


def ensure_secret_key(data: Path) -> None:
    """Give the data folder its Django SECRET_KEY before Label Studio starts.

    Label Studio 1.23 writes a random key to ``<data>/.env`` on first start, but
    its two start-up processes can both find the file empty and both append a
    key; the server then signs with one key while every later process (our
    token script included) reads the other, and the token is refused as
    invalid. Writing the key first removes that race. The file is 0600 and one
    that other users can open is refused: the key signs the API tokens.
    """
    env_file = data / ".env"
    lines = []
    if env_file.exists():
        try:
            check_private(env_file)
        except InsecureFileError as e:
            raise ServerError(str(e)) from None
        lines = env_file.read_text(encoding="utf-8").splitlines()
    if any(line.startswith("SECRET_KEY=") for line in lines):
        return
    write_secret(env_file, "\n".join([*lines, f"SECRET_KEY={secrets.token_urlsafe(50)}"]) + "\n")


def admin_password(port: int, states: Path | None = None) -> str:
    """The admin's password from its private file, or a new one written there."""
    path = password_file(port, states)
    password = _read_secret(path)
    if not password:
        password = secrets.token_urlsafe(18)
        write_secret(path, password)
        remember(password)
    return password


def server_env(data: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QUIET_ENV)
    env["LABEL_STUDIO_BASE_DATA_DIR"] = str(data)
    # The client's key must not leak into the server's settings.
    env.pop("LABEL_STUDIO_API_KEY", None)
    return env


def start(
    port: int | None = None,
    *,
    data: Path | None = None,
    states: Path | None = None,
    venv: Path | None = None,
    email: str = DEFAULT_EMAIL,
    timeout: float = READY_TIMEOUT,
) -> ServerInfo:
    """Start the server in its own process group, wait until it answers, make the admin's token."""
    port = port or default_port()
    data = (data or data_dir()).resolve()
    if installed_version(venv) != LS_VERSION:
        raise ServerError(
            f"label-studio {LS_VERSION} is not installed in {venv or venv_dir()}; run: corpus ls server install"
        )
    running = _read_pid_file(data)
    if running and _alive(running["pid"]):
        raise ServerError(
            f"Label Studio already runs from {data} (pid {running['pid']}, port {running['port']}); stop it first"
        )
    if not port_is_free(port):
        raise ServerError(f"port {port} on {HOST} is busy; choose another with --port or LABEL_STUDIO_PORT")
    data.mkdir(parents=True, exist_ok=True)
    ensure_secret_key(data)
    password = admin_password(port, states)
    # Read before the server starts: a refused token file must not leave a server running.
    tok = token_file(port, states)
    current = _read_secret(tok)
    env = server_env(data)
    # Credentials go through the environment, not argv, so `ps` does not show them.
    env["LABEL_STUDIO_USERNAME"] = email
    env["LABEL_STUDIO_PASSWORD"] = password
    log = _log_file(data)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [str(_bin("label-studio", venv)), "start", "--no-browser", "--internal-host", HOST, "--port", str(port)],
            cwd=data,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _pid_file(data).write_text(json.dumps({"pid": proc.pid, "port": port, "email": email}), encoding="utf-8")
    url = url_for(port)
    deadline = time.monotonic() + timeout
    problem = ""
    while True:
        try:
            if version_at(url, timeout=2.0) is not None:
                break
        except NotLabelStudio as e:
            # A server still starting may answer oddly for a moment: keep waiting, and say so if it lasts.
            problem = f" ({e})"
        if proc.poll() is not None:
            _pid_file(data).unlink(missing_ok=True)
            raise ServerError(
                f"Label Studio exited with code {proc.returncode} before answering at {url}; "
                f"last lines of {log}:\n{_tail(log)}"
            )
        if time.monotonic() > deadline:
            _kill_group(proc.pid)
            _pid_file(data).unlink(missing_ok=True)
            raise ServerError(
                f"Label Studio did not answer at {url}/api/version within {timeout:.0f} s{problem}; "
                f"last lines of {log}:\n{_tail(log)}"
            )
        time.sleep(0.5)
    if not (current and token_works(url, current)):
        token = create_token(email, data, venv)
        if not token_works(url, token):
            _kill_group(proc.pid)
            _pid_file(data).unlink(missing_ok=True)
            raise ServerError(f"Label Studio at {url} refuses the token just made for {email}; see {log}")
        write_secret(tok, token)
    return ServerInfo(url, port, proc.pid, data, tok, log)


def create_token(email: str, data: Path, venv: Path | None = None) -> str:
    """A new Personal Access Token for ``email``, made through the server's ORM."""
    env = server_env(data)
    out = subprocess.run(
        [str(_bin("python", venv)), "-c", _TOKEN_SCRIPT, email], capture_output=True, text=True, env=env, cwd=data
    )
    token = out.stdout.strip()
    remember(token)
    if out.returncode != 0 or token.count(".") != 2:
        tail = "\n".join(out.stderr.strip().splitlines()[-10:])
        raise ServerError(f"could not create an API token for {email} (exit {out.returncode}):\n{tail}")
    return token


def token_works(url: str, token: str) -> bool:
    """True if the server exchanges ``token`` (a PAT) for an access token."""
    req = urllib.request.Request(
        f"{url}/api/token/refresh/",
        data=json.dumps({"refresh": token}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status == 200
    except (urllib.error.HTTPError, OSError):
        return False


def _kill_group(pid: int, grace: float = 15.0) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def stop(data: Path | None = None) -> bool:
    """Stop the server started from ``data``; False if none was running."""
    data = (data or data_dir()).resolve()
    info = _read_pid_file(data)
    if not info:
        return False
    running = _alive(info["pid"])
    if running:
        _kill_group(info["pid"])
    _pid_file(data).unlink(missing_ok=True)
    return running


def status(data: Path | None = None, states: Path | None = None) -> dict[str, object]:
    """What runs from ``data``: pid, port, url, whether it answers, version, token file."""
    data = (data or data_dir()).resolve()
    info = _read_pid_file(data) or {}
    pid = info.get("pid")
    port = info.get("port") or default_port()
    url = url_for(port)
    alive = bool(pid and _alive(pid))
    version, problem = None, None
    if alive:
        try:
            version = version_at(url)
        except NotLabelStudio as e:
            problem = str(e)
    return {
        "running": alive,
        "answers": version is not None,
        "problem": problem,
        "pid": pid if alive else None,
        "url": url,
        "version": version,
        "data_dir": str(data),
        "token_file": str(token_file(port, states)),
        "log": str(_log_file(data)),
    }
