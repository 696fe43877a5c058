"""The feedback analysis pod, routed by the cluster when it runs (``golive.routing.route_feedback_topics``)."""

from __future__ import annotations

from typing import Any

from kubernetes.client import ApiClient
from kubernetes.client import models as k8s

from golive.kube.podprofiles import load_profiles
from golive.routing import PodProfile, feedback_may_use_gpu, gpu_profile, profile_named, route_feedback_topics
from golive.settings import FEEDBACK_TOPICS_ENV, get_settings
from golive.usage import GPU_RESOURCE
from golive_airflow.operators.agent_pod import ROUTED, AgentPodOperator


class FeedbackAnalyzePodOperator(AgentPodOperator):
    """``python -m golive.agents.feedback analyze`` on the gpu profile when ``GOLIVE_FEEDBACK_TOPICS`` may
    embed (``embeddings``, ``auto``), ``GOLIVE_AGENT_GPU_IMAGE`` is set and a cluster node advertises
    allocatable GPUs under the gpu profile's node selector, else on the cpu profile — decided when the
    task runs, from the nodes the Kubernetes API lists then (none listed: cpu). The pod gets the worker's
    backend as ``GOLIVE_FEEDBACK_TOPICS``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(agent="feedback", action="analyze", profile=ROUTED, **kwargs)

    def _cluster_nodes(self) -> list[dict[str, Any]] | None:
        """The cluster's nodes as dicts; None when the API refuses or fails (logged)."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            listed = self.hook.core_v1_client.list_node()
        except (ApiException, HTTPError, OSError) as exc:
            self.log.warning("cannot list the cluster's nodes for the feedback analysis' routing: %s", exc)
            return None
        return [ApiClient().sanitize_for_serialization(node) for node in listed.items or []]

    def _routed_profile(self, context: Any) -> PodProfile:
        settings = get_settings()
        backend, gpu_image = settings.feedback_topics, settings.agent_gpu_image
        nodes = self._cluster_nodes() if feedback_may_use_gpu(backend, gpu_image) else None
        decision = route_feedback_topics(backend, nodes, gpu_profile(),
                                         str(load_profiles().get("gpuResourceName") or GPU_RESOURCE),
                                         gpu_image=gpu_image)
        self.log.info("pod profile %s for the feedback topics: %s", decision.profile, decision.reason)
        self.env_vars = [*(self.env_vars or []), k8s.V1EnvVar(name=FEEDBACK_TOPICS_ENV, value=backend)]
        return profile_named(decision.profile)
