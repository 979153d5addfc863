"""Ray, when asked for: import it with a one-line install hint, and attach or start a loopback cluster.

Why its own module, low in the house: both ``ingest --engine ray`` (parsing books on workers) and
``extract --engine ray`` (classifying pairs on warm actors) start or attach to the same kind of
cluster, and ingestion sits below extraction, so neither may own this. Ray itself is an optional
extra and is imported only inside :func:`require_ray`.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

import grammar_rag
from grammar_rag.errors import GrammarRagError

RAY_INSTALL_HINT = "--engine ray needs Ray: pip install 'grammar-rag[ray]' (or pip install 'ray>=2.40')."

# Small by design: pairs and predictions are a few kB; the object store only carries messages.
LOCAL_OBJECT_STORE_BYTES = 200 * 2**20

# Ray rewrites a loopback address to the machine's outward IP unless this is "0" (read at import):
# a cluster started on 127.0.0.1 (``ray start --head --node-ip-address 127.0.0.1``) is then reachable.
LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def is_loopback(address: str) -> bool:
    host = urlparse(address if "://" in address else f"tcp://{address}").hostname or ""
    return host in ("127.0.0.1", "localhost")


def require_ray(address: str | None = None) -> ModuleType:
    """Import Ray, or fail with the one line that says how to install it.

    With no ``address`` (a private cluster) or a loopback one, Ray is told to stay on 127.0.0.1;
    ``auto`` and remote addresses use Ray's own address discovery.
    """
    if "ray" not in sys.modules and (address is None or is_loopback(address)):
        os.environ.setdefault(LOOPBACK_ENV, "0")
    try:
        import ray
    except ImportError as exc:
        raise GrammarRagError(RAY_INSTALL_HINT) from exc
    return ray


def worker_env() -> dict[str, str]:
    """Environment the driver passes to its workers so they compute exactly what it would.

    ``PYTHONHASHSEED`` when the driver fixed it (tie orders in ranking code follow it), and, when
    grammar-rag runs from a source checkout rather than an installed package, that checkout on
    ``PYTHONPATH`` (it is on the shared path, like the index) so workers import the same code.
    """
    env: dict[str, str] = {}
    if "PYTHONHASHSEED" in os.environ:
        env["PYTHONHASHSEED"] = os.environ["PYTHONHASHSEED"]
    root = Path(grammar_rag.__file__).resolve().parents[1]
    if "site-packages" not in root.parts and "dist-packages" not in root.parts:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    return env


def connect(ray: Any, address: str | None, num_cpus: int) -> bool:
    """Attach to ``address`` or start a private loopback-only Ray; True when we started it."""
    if ray.is_initialized():
        return False
    quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
    env = worker_env()
    if env:
        quiet["runtime_env"] = {"env_vars": env}
    if address:
        if address.startswith("ray://"):
            ray.init(address=address, logging_level=logging.WARNING, runtime_env=quiet.get("runtime_env"))
        else:
            extra = {"_node_ip_address": "127.0.0.1"} if is_loopback(address) else {}
            ray.init(address=address, **quiet, **extra)
        return False
    ray.init(
        num_cpus=num_cpus,
        num_gpus=0,
        _node_ip_address="127.0.0.1",
        include_dashboard=False,
        object_store_memory=LOCAL_OBJECT_STORE_BYTES,
        **quiet,
    )
    return True
