"""localkube: a small Kubernetes API server whose kubelet runs pods as local processes.

Development, the demo and CI point Airflow's ``kubernetes_default`` connection at localkube, so
``KubernetesPodOperator`` runs unchanged — sync and deferrable, with ``do_xcom_push`` — without a
cluster, Docker or images; and golive's deployment phase deploys the sample app's chart to it
with the official client (:mod:`golive.kube`), exactly as to a real cluster. Production points the
same code at a real cluster.

Use it in-process (``with LocalKube() as kube: kube.write_kubeconfig(path)``), from the command
line (``python -m localkube serve --port 8001 --kubeconfig kubeconfig.yaml --namespace golive
[--images catalog.yaml]``) or in tests (the ``localkube``, ``localkube_factory`` and ``kpo_env``
fixtures of :mod:`localkube.pytest_plugin`); ``connection_uri(kubeconfig)`` is the value for
``AIRFLOW_CONN_KUBERNETES_DEFAULT``. :mod:`localkube.kpo` runs a KPO task without an Airflow
database (it plays the triggerer for deferrable runs); ``python -m localkube.bench`` measures the
per-task overhead. ``LocalKube.api_client()`` and ``LocalKube.service_url(name, namespace)`` help
tests.

Modules: ``server`` (routes), ``resources`` (served types), ``discovery``, ``admission`` (defaults,
validation), ``store`` (objects, resourceVersions, watches), ``gc`` (cascading deletes),
``controllers`` (``replicaset``, ``deployment`` + ``rollout`` math, ``statefulset``, ``job``,
``services``), ``proxy`` (Service traffic), ``kubelet`` (pod lifecycle), ``probes``, ``images``
(+ ``images.yaml``), ``podstate`` (status), ``podspec`` (argv, env, volumes, limits), ``runtime``
(processes), ``exec_ws`` (exec), ``scheduler`` (node, GPUs), ``selectors``, ``patch``,
``validation``, ``events``, ``logs``, ``ipam``, ``kubeconfig``, ``contract`` (+ ``kpo_contract.json``),
``auth`` (token, JSON-only writes), ``hostpaths`` (allowed hostPath prefixes), ``persist`` (objects on disk),
``podsecurity`` (Pod Security admission).

Who can reach it (:mod:`localkube.auth`)
  * Every request but ``/healthz``, ``/livez`` and ``/readyz`` — discovery, REST, watches and the
    exec websocket — needs ``Authorization: Bearer <token>`` (401 ``Unauthorized`` Status
    otherwise). The token is random per state directory (``<state dir>/token``, mode 0600, the
    directory 0700); the kubeconfigs localkube writes carry it (``users[].user.token``), and so does
    :meth:`LocalKube.api_client`. Writes (POST/PUT/PATCH) must be JSON (415 otherwise), so a web page
    cannot drive localkube through the browser. Loopback keeps out other machines, the token other
    local users; pods get it through their ``KUBECONFIG`` (they run as the user anyway).

Restarts (:mod:`localkube.persist`)
  * Objects (all kinds but Events) are saved in ``<state dir>/objects.json`` (mode 0600) a moment
    after each change and on stop; a new LocalKube on that state dir restores them and
    :meth:`localkube.kubelet.Kubelet.recover` reconciles the pods: ReplicaSet/StatefulSet pods are
    replaced by their controllers, running bare or Job pods become Failed (``LocalkubeRestarted``),
    leftover processes are killed. Watch history is not kept (410 for an older resourceVersion).

What localkube honours
  * API: discovery (``/api``, ``/api/v1``, ``/apis``, ``/apis/{group}[/{version}]``, ``/version``)
    for the core group, apps/v1, batch/v1, networking.k8s.io/v1, rbac.authorization.k8s.io/v1,
    policy/v1, autoscaling/v2, scheduling.k8s.io/v1 and monitoring.coreos.com/v1 — enough for
    ``kubernetes.dynamic.DynamicClient``. CRUD + list + watch for pods, events, namespaces, the
    node, configmaps, secrets, services, serviceaccounts, endpoints, persistentvolumeclaims,
    resourcequotas, limitranges, deployments, replicasets, statefulsets, jobs, ingresses,
    ingressclasses, networkpolicies, roles, rolebindings, clusterroles, clusterrolebindings,
    poddisruptionbudgets, horizontalpodautoscalers, priorityclasses, prometheusrules and servicemonitors; ``status``
    subresources and ``scale`` (autoscaling/v1) for deployments, replicasets and statefulsets;
    label selectors (``=``, ``==``, ``!=``, ``in``, ``notin``, ``key``, ``!key``) and field
    selectors; merge, strategic-merge and JSON patches; metadata.uid, resourceVersion (a stale one
    on PUT → 409 Conflict), generation (bumped on spec changes), creationTimestamp; a write to the
    main resource never changes ``status``; Secret ``stringData`` folded into ``data``; DELETE with
    ``propagationPolicy`` Background (default; Orphan for Jobs, as the API does) / Foreground /
    Orphan, and garbage collection by ownerReferences; pod ``status``, ``log`` (follow,
    timestamps, sinceSeconds/sinceTime, tailLines, limitBytes, previous) and ``exec`` over
    WebSocket (``v4.channel.k8s.io``); errors as ``v1.Status``. The calls KubernetesPodOperator
    makes are pinned in ``kpo_contract.json``.
  * Controllers (kube-controller-manager's behaviour): Deployments → ReplicaSets named
    ``<name>-<pod-template-hash>`` with revisions (a rollback reuses the old ReplicaSet under the
    next revision), ``revisionHistoryLimit``, RollingUpdate within maxSurge/maxUnavailable (ints or
    %) driven by pod availability (``minReadySeconds``), Recreate, ``paused``, conditions
    Available/Progressing (ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded…);
    ReplicaSets replace pods that go away; StatefulSets run ``<name>-<i>`` pods in order with one
    PVC per claim template and roll from the highest ordinal; Jobs run pods to completion
    (completions, parallelism, backoffLimit with back-off, activeDeadlineSeconds, suspend,
    ttlSecondsAfterFinished). Admission adds the API defaults and checks selectors (immutable).
  * Services: a ClusterIP from 127.255.0.0/16 and, for every TCP port, a proxy on
    ``clusterIP:port`` that sends each new connection round robin to a ready endpoint (pods
    matching the selector, ``targetPort`` by number or name; a selector change applies to the next
    connection; a backend that closes before answering is skipped); ``Endpoints`` objects kept up to
    date; the annotation ``localkube.io/url: http://<clusterIP>:<port>`` (first port) tells callers
    where it answers. NodePort and LoadBalancer behave as ClusterIP (a nodePort is recorded; a
    LoadBalancer's ``status.loadBalancer.ingress[0].ip`` is its ClusterIP); headless Services get
    no address; a Service without selector uses the Endpoints its user wrote.
  * Pods: ``command`` + ``args`` as argv (never a shell) with ``$(VAR)`` expansion; ``python``/
    ``python3`` resolve to the interpreter running localkube and ``PATH`` starts with its venv's
    ``bin``; ``env`` (values, ``fieldRef``, ``resourceFieldRef``, ``configMapKeyRef``,
    ``secretKeyRef``) and ``envFrom`` (with ``prefix``); ``workingDir``; init containers;
    ``restartPolicy`` (with back-off); readiness, liveness and startup probes (``httpGet`` with a
    numbered or named port, ``tcpSocket``, ``exec``; initialDelaySeconds, periodSeconds,
    timeoutSeconds, success/failureThreshold) → container ``ready``, the pod's Ready condition and
    Service endpoints; a failed liveness probe restarts the container (``restartCount``); exit codes
    → container states → pod phase; ``activeDeadlineSeconds`` (phase Failed, reason
    DeadlineExceeded); ``terminationMessagePath``/``FallbackToLogsOnError``; delete = SIGTERM to
    the process group, SIGKILL after the grace period (capped); events like a cluster's. Nothing a
    container starts outlives it, not even a ``setsid`` child: :mod:`localkube.runtime` kills the
    processes carrying its ``LOCALKUBE_CONTAINER_ID``/``LOCALKUBE_POD_UID`` environment marker (and
    the main process's descendants) when the container ends, the pod goes or localkube stops.
    What each container used — CPU seconds (user + system) and peak RSS of its process group, sampled
    from ``/proc`` (:mod:`localkube.usage`) — is published on the pod as the annotation
    ``localkube.io/usage`` (JSON per container) when the container ends.
  * Images (:mod:`localkube.images`): a catalog (``images.yaml``; ``LocalKube(images=...)``,
    ``--images`` or ``$LOCALKUBE_IMAGES``) says how an image runs locally — its workingDir,
    entrypoint/cmd and env, and tag-suffix variants (``-errors``/``-slow`` builds of the sample app
    set ``FAULT_MODE``). Images not in the catalog run their ``command``/``args`` as given.
  * Each pod gets its own address in 127.0.0.0/8 (``status.podIP``, ``fieldRef``), so replicas bind
    the same containerPort, and a directory; emptyDir, configMap, secret, downwardAPI, hostPath and
    PVC volumes become local directories (hostPath only under the state directory and the
    ``host_path_prefixes``/``--allow-host-path`` given, :mod:`localkube.hostpaths`; others → 403),
    and containers get ``LOCALKUBE_MOUNT_MAP`` (JSON ``{mountPath: localDir}``) which
    :func:`golive.runtime.resolve` applies.
  * API access from pods: every container gets ``KUBECONFIG`` pointing at a kubeconfig for this
    server whose context namespace is the pod's, so ``kubernetes.config.load_config()`` and
    :func:`golive.kube.client.load_client` work inside pods as in-cluster configuration does on a cluster
    (``KUBERNETES_SERVICE_HOST``/``PORT`` are set too; the token is in that kubeconfig, not in a
    service-account volume). A pod with ``automountServiceAccountToken: false`` gets no ``KUBECONFIG``,
    as it would get no token on a cluster.
  * Scheduling: the node advertises ``nvidia.com/gpu`` (``gpus=``, default 0); a pod asking for
    more stays Pending, ``PodScheduled=False``/``Unschedulable``, with a ``FailedScheduling`` event
    ``0/1 nodes are available: 1 Insufficient nvidia.com/gpu.``; granted GPUs appear as
    ``CUDA_VISIBLE_DEVICES``. ``nodeSelector`` is matched against the node's labels.
  * Limits, approximated by process limits: ``limits.memory`` → a watchdog that OOM-kills the
    container (reason OOMKilled, exit code 137, event OOMKilling) when the resident memory of its
    process group exceeds the limit, plus ``RLIMIT_DATA`` at 4× the limit so a huge allocation fails
    at once (Python raises MemoryError; RLIMIT_DATA counts reserved thread stacks, so it cannot be
    the limit itself); ``limits.cpu`` → CPU affinity to ``ceil(cpu)`` cores, plus ``RLIMIT_CPU`` of
    ``cpu × activeDeadlineSeconds`` seconds when the pod has a deadline.
  * Pod Security admission (:mod:`localkube.podsecurity`, kube-apiserver's PodSecurity plugin): the
    namespace labels ``pod-security.kubernetes.io/enforce|warn[-version]`` with the upstream
    baseline/restricted checks (``latest`` = v1.31). A pod breaking the enforce level — created
    through the API or by a controller, or an image change — is refused with 403
    ``pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation !=
    false (container "x" must set securityContext.allowPrivilegeEscalation=false), …`` (controllers
    record ``FailedCreate`` and back off, 1 s doubling to 5 min); the warn level (and a stricter
    enforce when warn is unset) answers with a ``Warning: 299 - "would violate PodSecurity …"``
    header, the only answer a Deployment,
    ReplicaSet, StatefulSet or Job template gets; bad labels are 422. ``audit`` is ignored; no
    exemptions. ``LocalKube(namespace_labels=...)``/``serve --namespace-label`` label the namespaces
    it creates.
  * The resource metrics API (``metrics.k8s.io/v1beta1`` PodMetrics, what metrics-server serves): the
    running containers' CPU rate and resident memory from the kubelet's ``/proc`` samples
    (:mod:`localkube.metrics`).

What it does not do
  * Images are never pulled or unpacked (``imageID: localkube://<image>``): a container runs what
    the image catalog or its ``command``/``args`` say, on the host's filesystem.
  * No isolation: no namespaces, cgroups, seccomp, users or read-only mounts; ``securityContext`` is
    admitted (Pod Security) but not applied;
    ``tty``/``attach``/``port-forward``, RBAC (Roles are stored, not enforced), NetworkPolicies,
    PodDisruptionBudgets, HorizontalPodAutoscalers and Ingresses (stored only), DaemonSets, CronJobs,
    EndpointSlices, DNS
    (``*.svc.cluster.local`` does not resolve: use the ``localkube.io/url`` annotation),
    server-side apply (415) and authorization beyond the one token are not implemented. Listen on
    loopback only.
  * cpu/memory *requests* are recorded but not bin-packed; one node only; no ``limit``/``continue``
    pagination; no ``deletecollection``.
  * KubernetesPodOperator's ``airflow-xcom-sidecar`` is virtual: it runs no process, answers the
    ``cat``/``kill`` exec calls KPO makes, and stops when killed.
  * Namespaces must exist, as on a cluster (``LocalKube(namespaces=...)``, ``--namespace``).
  * Containers do not inherit the host environment, only ``env_passthrough`` (HOME, LANG…) plus
    ``PYTHONUNBUFFERED=1`` (so logs stream), ``TMPDIR`` (per pod), ``KUBECONFIG`` and
    ``KUBERNETES_SERVICE_*``.
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
