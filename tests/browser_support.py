"""Real-browser test support: a private JupyterLab server and headless Debian Chromium driven by Playwright.

Never downloads a browser: it uses /usr/bin/chromium (apt-get install chromium). Everything the server and the
browser write goes to temporary directories.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


#: a page function that is true once the current notebook's kernel is idle (needs expose_app_in_browser)
KERNEL_IDLE = (
    "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
    " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
    " return k && k.status === 'idle'; }"
)


def browser_available() -> str | None:
    """None when a browser test can run here, else the reason it cannot."""
    if not Path(CHROMIUM).exists():
        return "Debian chromium is not installed (apt-get install chromium)"
    try:
        import jupyterlab  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[browser]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 serving ``root``; stop() shuts it (and its kernels) down."""

    def __init__(self, root: Path, app: str = "lab") -> None:
        self.root = root
        self.app = app
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="af-jupyter-"))
        settings = self.tmp / "settings"
        settings.mkdir()
        (settings / "overrides.json").write_text(
            json.dumps(
                {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
            )
        )
        self.env = dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(self.tmp / "config"),
            JUPYTER_DATA_DIR=str(self.tmp / "data"),
            JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"),
            IPYTHONDIR=str(self.tmp / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
        )
        # the kernel must find the same Python (and this package) as the test
        kernels = self.tmp / "data" / "kernels" / "python3"
        kernels.mkdir(parents=True)
        (kernels / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "Python 3",
                    "language": "python",
                }
            )
        )
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            self.app,
            "--no-browser",
            "--allow-root",
            "--ip",
            "127.0.0.1",
            f"--port={self.port}",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.disable_check_xsrf=True",
        ]
        app_class = "LabApp" if self.app == "lab" else "JupyterNotebookApp"
        cmd += [f"--{app_class}.expose_app_in_browser=True", f"--{app_class}.app_settings_dir={settings}"]
        self.log = open(self.tmp / "server.log", "w")  # noqa: SIM115 - open while the server runs, closed in stop()
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, cwd=root)
        self._wait_ready()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self) -> None:
        wait_until_serving(self.proc, f"{self.base}/api/status?token={self.token}", "jupyter", self.server_log)

    def server_log(self) -> str:
        self.log.flush()
        return (self.tmp / "server.log").read_text(errors="replace")[-4000:]

    def kernel_connection_files(self) -> list[Path]:
        return sorted((self.tmp / "runtime").glob("kernel-*.json"), key=lambda p: p.stat().st_mtime)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            req = urllib.request.Request(f"{self.base}/api/shutdown?token={self.token}", method="POST")
            urllib.request.urlopen(req, timeout=10).close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def wait_until_serving(
    proc: subprocess.Popen, url: str, name: str, server_log: Callable[[], str], timeout: float = 60
) -> None:
    """Poll ``url`` until it answers 200; RuntimeError with the server's log if ``proc`` exits or ``timeout``
    passes first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{server_log()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)  # polling a server's readiness, not ordering test steps
    raise RuntimeError(f"{name} did not start in {timeout} s:\n{server_log()}")


def kernel_eval(connection_file: Path, code: str, timeout: float = 30) -> str:
    """Run ``code`` in the notebook's kernel (a second client on the same kernel) and return its stdout."""
    from jupyter_client import BlockingKernelClient

    kc = BlockingKernelClient(connection_file=str(connection_file))
    kc.load_connection_file()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=timeout)
        out: list[str] = []
        reply = kc.execute_interactive(
            code,
            timeout=timeout,
            output_hook=lambda m: out.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None,
        )
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel code failed: {reply['content']}")
        return "".join(out)
    finally:
        kc.stop_channels()


def write_notebook(path: Path, cells: list[str]) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)


def artifacts() -> Path:
    """Where the browser tests save their screenshots: $AGENTFORUM_ARTIFACTS, default artifacts/ (made if needed)."""
    d = Path(os.environ.get("AGENTFORUM_ARTIFACTS", Path(__file__).resolve().parent.parent / "artifacts"))
    d.mkdir(parents=True, exist_ok=True)
    return d
