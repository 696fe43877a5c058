"""Every resource type localkube serves, with what discovery and the router need to know about it.

Core types live in :mod:`localkube.store` (the kubelet only needs those); this module adds the
workload, service, networking, RBAC, policy, scheduling and monitoring types and the registry the
API server, discovery, admission and garbage collector iterate over.
"""

from __future__ import annotations

from dataclasses import dataclass

from localkube.store import CONFIGMAPS, EVENTS, NAMESPACES, NODES, PODS, SECRETS, ResourceType

SERVICES = ResourceType("", "v1", "Service", "services", True)
SERVICEACCOUNTS = ResourceType("", "v1", "ServiceAccount", "serviceaccounts", True)
ENDPOINTS = ResourceType("", "v1", "Endpoints", "endpoints", True)
PVCS = ResourceType("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True)
RESOURCEQUOTAS = ResourceType("", "v1", "ResourceQuota", "resourcequotas", True)
LIMITRANGES = ResourceType("", "v1", "LimitRange", "limitranges", True)
DEPLOYMENTS = ResourceType("apps", "v1", "Deployment", "deployments", True)
REPLICASETS = ResourceType("apps", "v1", "ReplicaSet", "replicasets", True)
STATEFULSETS = ResourceType("apps", "v1", "StatefulSet", "statefulsets", True)
JOBS = ResourceType("batch", "v1", "Job", "jobs", True)
INGRESSES = ResourceType("networking.k8s.io", "v1", "Ingress", "ingresses", True)
INGRESSCLASSES = ResourceType("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False)
NETWORKPOLICIES = ResourceType("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True)
ROLES = ResourceType("rbac.authorization.k8s.io", "v1", "Role", "roles", True)
ROLEBINDINGS = ResourceType("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True)
CLUSTERROLES = ResourceType("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False)
CLUSTERROLEBINDINGS = ResourceType("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding",
                                   "clusterrolebindings", False)
PDBS = ResourceType("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True)
HPAS = ResourceType("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True)
PRIORITYCLASSES = ResourceType("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", False)
PROMETHEUSRULES = ResourceType("monitoring.coreos.com", "v1", "PrometheusRule", "prometheusrules", True)
SERVICEMONITORS = ResourceType("monitoring.coreos.com", "v1", "ServiceMonitor", "servicemonitors", True)


@dataclass(frozen=True)
class Served:
    """How one resource type is served: short names, subresources, categories."""

    rtype: ResourceType
    short_names: tuple[str, ...] = ()
    status: bool = False  # has a status subresource (client writes to the main resource keep status)
    scale: bool = False  # has a scale subresource (autoscaling/v1 Scale)
    read_only: bool = False
    categories: tuple[str, ...] = ()


SERVED: tuple[Served, ...] = (
    Served(PODS, ("po",), status=True, categories=("all",)),
    Served(EVENTS, ("ev",)),
    Served(NAMESPACES, ("ns",), status=True),
    Served(NODES, ("no",), status=True, read_only=True),
    Served(CONFIGMAPS, ("cm",)),
    Served(SECRETS),
    Served(SERVICES, ("svc",), status=True, categories=("all",)),
    Served(SERVICEACCOUNTS, ("sa",)),
    Served(ENDPOINTS, ("ep",)),
    Served(PVCS, ("pvc",), status=True),
    Served(RESOURCEQUOTAS, ("quota",), status=True),
    Served(LIMITRANGES, ("limits",)),
    Served(DEPLOYMENTS, ("deploy",), status=True, scale=True, categories=("all",)),
    Served(REPLICASETS, ("rs",), status=True, scale=True, categories=("all",)),
    Served(STATEFULSETS, ("sts",), status=True, scale=True, categories=("all",)),
    Served(JOBS, (), status=True, categories=("all",)),
    Served(INGRESSES, ("ing",), status=True),
    Served(INGRESSCLASSES),
    Served(NETWORKPOLICIES, ("netpol",)),
    Served(ROLES),
    Served(ROLEBINDINGS),
    Served(CLUSTERROLES),
    Served(CLUSTERROLEBINDINGS),
    Served(PDBS, ("pdb",), status=True),
    Served(HPAS, ("hpa",), status=True),
    Served(PRIORITYCLASSES, ("pc",)),
    Served(PROMETHEUSRULES, ("promrule",)),
    Served(SERVICEMONITORS, ("smon",)),
)
BY_TYPE = {s.rtype: s for s in SERVED}
ALL_TYPES = tuple(s.rtype for s in SERVED)
#: Versions in group order, as ``/apis`` lists them.
GROUP_VERSIONS: tuple[tuple[str, str], ...] = tuple(dict.fromkeys(
    (t.group, t.version) for t in ALL_TYPES if t.group))


def served(rtype: ResourceType) -> Served:
    """The serving description of ``rtype``."""
    return BY_TYPE[rtype]


def by_kind(api_version: str, kind: str) -> ResourceType | None:
    """The resource type of ``apiVersion``/``kind``, or None."""
    return next((t for t in ALL_TYPES if t.api_version == api_version and t.kind == kind), None)


def types_of(group: str, version: str) -> list[ResourceType]:
    """Resource types of one group version (``""`` is the core group)."""
    return [t for t in ALL_TYPES if t.group == group and t.version == version]


def base_path(rtype: ResourceType) -> str:
    """``/api/v1`` or ``/apis/<group>/<version>``."""
    return f"/apis/{rtype.group}/{rtype.version}" if rtype.group else f"/api/{rtype.version}"
