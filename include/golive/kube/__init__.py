"""golive's small Kubernetes layer, over the official ``kubernetes`` client (no Airflow import).

The deployment, verification and testing agents use it inside their pods and in tests; it talks to
a real cluster and to localkube the same way. Objects go in and come out as plain JSON dicts
(camelCase, as ``kubectl get -o json`` prints them). Every API or connection failure raises
:class:`golive.kube.client.KubeError` with the API server's own message.

This package defines nothing itself: import each name from the module that owns it.

=====================================  =======================================================================
module                                 what it holds
=====================================  =======================================================================
:mod:`golive.kube.client`              ``load_client``, ``KubeError``, ``Obj``; the dynamic client, ``call``
                                       (API and connection errors → ``KubeError``), ``resource_for``
:mod:`golive.kube.objects`             ``apply`` (create or replace, keeping what the server owns), ``get``,
                                       ``delete``; ``GENERATED_KEYS_ANNOTATION``
:mod:`golive.kube.workloads`           ``RolloutStatus``, ``status_of``, ``rollout_status``, ``Revision``,
                                       ``revisions``, ``undo``, ``scale``; ``REVISION_ANNOTATION``,
                                       ``HASH_LABEL``
:mod:`golive.kube.pods`                ``pod_ready`` (the one rule), ``pods_for``, ``pod_logs``
:mod:`golive.kube.services`            ``service_url``, ``patch_service_selector``; ``URL_ANNOTATION``
:mod:`golive.kube.namespaces`          ``ensure_namespace``
=====================================  =======================================================================

Usage::

    client = load_client()                                   # $KUBECONFIG / ~/.kube/config, else in-cluster
    applied = apply(objs, "apps", client)                    # create or replace each object
    status = rollout_status("web-api", "apps", client, timeout=120)   # kubectl rollout status
    history = revisions("web-api", "apps", client)           # ReplicaSets by revision
    undo("web-api", "apps", client=client)                   # kubectl rollout undo [--to-revision]
    scale("web-api", "apps", 3, client=client)
    pods = pods_for("web-api", "apps", client)
    text = pod_logs(pods[0]["metadata"]["name"], "apps", client, since_seconds=60)
    url = service_url("web", "apps", client)                 # localkube.io/url, else cluster DNS
    patch_service_selector("web", "apps", {"app": "web", "colour": "green"}, client)
    delete("Deployment", "web-api", "apps", client)
"""
