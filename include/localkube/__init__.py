"""localkube: a small Kubernetes API server whose kubelet runs pods as local processes.

Development, the demo and CI point Airflow's ``kubernetes_default`` connection at localkube, so
``KubernetesPodOperator`` runs unchanged — sync and deferrable, with ``do_xcom_push`` — without a
cluster, Docker or images. Production points the same connection at a real cluster.

Use it in-process (``with LocalKube() as kube: kube.write_kubeconfig(path)``), from the command
line (``python -m localkube serve --port 8001 --kubeconfig kubeconfig.yaml --namespace golive``) or
in tests (the ``localkube``, ``localkube_factory`` and ``kpo_env`` fixtures of
:mod:`localkube.pytest_plugin`); ``connection_uri(kubeconfig)`` is the value for
``AIRFLOW_CONN_KUBERNETES_DEFAULT``. :mod:`localkube.kpo` runs a KPO task without an Airflow
database (it plays the triggerer for deferrable runs); ``python -m localkube.bench`` measures the
per-task overhead.

Modules: ``server`` (routes), ``store`` (objects, resourceVersions, watches), ``kubelet`` (pod
lifecycle), ``podstate`` (status), ``podspec`` (argv, env, volumes, limits), ``runtime``
(processes), ``exec_ws`` (exec), ``scheduler`` (node, GPUs), ``selectors``, ``patch``,
``validation``, ``events``, ``logs``, ``ipam``, ``kubeconfig``, ``contract`` (+ ``kpo_contract.json``).

What localkube honours
  * API: discovery (``/api``, ``/api/v1``, ``/apis``, ``/version``), namespaces, the node, and
    CRUD + list + watch for pods, events, configmaps and secrets; label selectors (``=``, ``==``,
    ``!=``, ``in``, ``notin``, ``key``, ``!key``) and field selectors; merge, strategic-merge and
    JSON patches; pod ``status``, ``log`` (follow, timestamps, sinceSeconds/sinceTime, tailLines,
    limitBytes, previous) and ``exec`` over WebSocket (``v4.channel.k8s.io``); errors as
    ``v1.Status``. The calls KubernetesPodOperator makes are pinned in ``kpo_contract.json``.
  * Pods: ``command`` + ``args`` as argv (never a shell) with ``$(VAR)`` expansion; ``python``/
    ``python3`` resolve to the interpreter running localkube and ``PATH`` starts with its venv's
    ``bin``; ``env`` (values, ``fieldRef``, ``resourceFieldRef``, ``configMapKeyRef``,
    ``secretKeyRef``) and ``envFrom``; ``workingDir``; init containers; ``restartPolicy`` (with
    back-off); exit codes → container states → pod phase; ``activeDeadlineSeconds`` (phase Failed,
    reason DeadlineExceeded); ``terminationMessagePath``/``FallbackToLogsOnError``; delete =
    SIGTERM to the process group, SIGKILL after the grace period (capped); events like a cluster's.
  * Each pod gets its own address in 127.0.0.0/8 (``status.podIP``, ``fieldRef``) and a directory;
    emptyDir, configMap, secret, downwardAPI, hostPath and PVC volumes become local directories,
    and containers get ``LOCALKUBE_MOUNT_MAP`` (JSON ``{mountPath: localDir}``) which
    :func:`golive.runtime.resolve` applies.
  * Scheduling: the node advertises ``nvidia.com/gpu`` (``gpus=``, default 0); a pod asking for
    more stays Pending, ``PodScheduled=False``/``Unschedulable``, with a ``FailedScheduling`` event
    ``0/1 nodes are available: 1 Insufficient nvidia.com/gpu.``; granted GPUs appear as
    ``CUDA_VISIBLE_DEVICES``. ``nodeSelector`` is matched against the node's labels.
  * Limits, approximated by process limits: ``limits.memory`` → ``RLIMIT_DATA`` (an allocation
    beyond it fails — Python raises MemoryError — rather than an OOM kill with exit code 137);
    ``limits.cpu`` → CPU affinity to ``ceil(cpu)`` cores, plus ``RLIMIT_CPU`` of
    ``cpu × activeDeadlineSeconds`` seconds when the pod has a deadline.

What it does not do
  * Images are recorded (``imageID: localkube://<image>``), never pulled or unpacked: a container
    must name its program in ``command``/``args``, and runs on the host's filesystem.
  * No isolation: no namespaces, cgroups, seccomp, users or read-only mounts; ``securityContext``,
    probes, ``tty``/``attach``/``port-forward``, Deployments/Services (yet), RBAC and
    authentication are not implemented. Listen on loopback only.
  * cpu/memory *requests* are recorded but not bin-packed; one node only; no ``limit``/``continue``
    pagination.
  * KubernetesPodOperator's ``airflow-xcom-sidecar`` is virtual: it runs no process, answers the
    ``cat``/``kill`` exec calls KPO makes, and stops when killed.
  * Namespaces must exist, as on a cluster (``LocalKube(namespaces=...)``, ``--namespace``).
  * Containers do not inherit the host environment, only ``env_passthrough`` (HOME, LANG…) plus
    ``PYTHONUNBUFFERED=1`` (so logs stream), ``TMPDIR`` (per pod) and ``KUBERNETES_SERVICE_*``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localkube.kubeconfig import connection_extra, connection_uri, write_kubeconfig

if TYPE_CHECKING:
    from localkube.cluster import LocalKube

__all__ = ["LocalKube", "connection_extra", "connection_uri", "write_kubeconfig"]


def __getattr__(name: str) -> Any:
    # LocalKube pulls in aiohttp; import it only when asked so the pytest plugin stays cheap.
    if name == "LocalKube":
        from localkube.cluster import LocalKube

        return LocalKube
    raise AttributeError(f"module 'localkube' has no attribute {name!r}")
