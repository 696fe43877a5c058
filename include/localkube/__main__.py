"""Command line: ``python -m localkube serve`` (also installed as ``golive-localkube``)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from localkube.kubeconfig import connection_uri


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m localkube",
                                     description="A local Kubernetes API whose pods run as local processes.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API until interrupted (Ctrl-C or SIGTERM)")
    serve.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1; no auth!)")
    serve.add_argument("--port", type=int, default=0, help="TCP port (default 0: pick a free one)")
    serve.add_argument("--kubeconfig", help="write a kubeconfig here (default <state dir>/kubeconfig)")
    serve.add_argument("--gpus", type=int, default=0, help="nvidia.com/gpu capacity of the node (default 0)")
    serve.add_argument("--state-dir", help="pod directories and logs (default: a temporary directory)")
    serve.add_argument("--namespace", default="default",
                       help="namespace of the kubeconfig context (created if missing)")
    serve.add_argument("--namespace-label", action="append", default=[], metavar="KEY=VALUE",
                       help="label of --namespace, e.g. pod-security.kubernetes.io/enforce=restricted (repeatable)")
    serve.add_argument("--node-label", action="append", default=[], metavar="KEY=VALUE",
                       help="extra node label, for nodeSelector (repeatable)")
    serve.add_argument("--images", help="image catalog (YAML/JSON) mapping images to local programs "
                       "(default: $LOCALKUBE_IMAGES, else the bundled localkube/images.yaml)")
    serve.add_argument("--allow-host-path", action="append", default=[], metavar="DIR",
                       help="absolute directory pods may mount as hostPath besides the state dir (repeatable)")
    serve.add_argument("-v", "--verbose", action="store_true", help="log requests and kubelet activity")
    return parser


def serve(args: argparse.Namespace) -> int:
    """Run a LocalKube until SIGINT/SIGTERM; prints the URL, kubeconfig and Airflow connection."""
    from localkube.cluster import LocalKube
    from localkube.errors import LocalKubeError

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.gpus < 0:
        print("--gpus must be 0 or more", file=sys.stderr)
        return 2
    relative = [path for path in args.allow_host_path if not path.startswith("/")]
    if relative:
        print(f"--allow-host-path takes absolute directories, got {relative[0]!r}", file=sys.stderr)
        return 2
    labels = dict(item.split("=", 1) for item in args.node_label if "=" in item)
    if len(labels) != len(args.node_label):
        print("--node-label takes KEY=VALUE", file=sys.stderr)
        return 2
    namespace_labels = dict(item.split("=", 1) for item in args.namespace_label if "=" in item)
    if len(namespace_labels) != len(args.namespace_label):
        print("--namespace-label takes KEY=VALUE", file=sys.stderr)
        return 2
    cluster = LocalKube(host=args.host, port=args.port, gpus=args.gpus, state_dir=args.state_dir,
                        access_log=args.verbose, node_labels=labels, namespaces=(args.namespace,),
                        namespace_labels={args.namespace: namespace_labels},
                        images=args.images, host_path_prefixes=tuple(args.allow_host_path))
    try:
        cluster.start()
    except LocalKubeError as exc:
        print(f"localkube: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        kubeconfig = cluster.write_kubeconfig(args.kubeconfig, namespace=args.namespace)
        print(f"localkube serving {cluster.url}", flush=True)
        print(f"kubeconfig: {kubeconfig}", flush=True)
        print(f"AIRFLOW_CONN_KUBERNETES_DEFAULT={connection_uri(kubeconfig, args.namespace)}", flush=True)
        stop.wait()
    finally:
        cluster.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m localkube`` and ``golive-localkube``."""
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
