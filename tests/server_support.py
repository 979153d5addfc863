"""Starting and stopping the local servers some tests drive (the app, llama_cpp.server)."""

from __future__ import annotations

import socket
import subprocess


def free_port() -> int:
    """A loopback port nobody listens on (at the moment of asking)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes], *, kill_wait: float | None = None) -> None:
    """Terminate ``proc``; kill it if it has not exited within 20 s (then wait ``kill_wait`` s)."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=kill_wait)
