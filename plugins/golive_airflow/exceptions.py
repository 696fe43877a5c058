"""Airflow-side golive errors: each says what failed and what the user can do."""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowException, AirflowFailException


class GoLiveConfError(AirflowFailException):
    """The run's conf was rejected; the message names each field and the rule it broke (no retry)."""


class QuotaRefused(AirflowFailException):
    """The application's quota (``GOLIVE_QUOTAS``) is used up; names the quota, the use and the limit (no retry)."""


class GateFailed(AirflowFailException):
    """A gate's verdict is FAIL; the message lists the score and the reasons (no automatic retry)."""


class GateTimeout(AirflowException):
    """No verdict was recorded for a gate within its timeout."""


class LeaseTimeout(AirflowFailException):
    """Another go-live of the same application and environment held the delivery lease for longer than
    this run may wait; names the holder (no retry: clear the task to wait again)."""


class GateRejected(AirflowFailException):
    """A human rejected a WARNING verdict (or the approval timed out and the default is reject)."""


class NoApprover(AirflowFailException):
    """The approver configuration leaves nobody who may answer (the only approver triggered the run)."""


class GoLiveFailed(AirflowFailException):
    """The go-live failed; raised by the final report after it is written (no retry)."""


class NamespaceUnavailable(AirflowFailException):
    """The pods' namespace is missing and may not be created; names the namespace and the permission."""


class SecretWriteConflict(AirflowException):
    """Another writer changed the secrets store between golive's read and its write (retried)."""


class WeakSecretValues(AirflowFailException):
    """Existing secret values break the schema; golive keeps them (regenerating would break what was
    initialised with them) and names the keys for a person to rotate (no automatic retry)."""


class MaintenanceIncomplete(AirflowFailException):
    """A maintenance step of one application did not finish (its result is missing, or a secret
    rotation had to restore the old values); what the others did is recorded (no retry)."""


class UnsafeAgentPod(AirflowFailException):
    """The agent pod about to start breaks Pod Security Standard "restricted" or golive's agent pod rules
    (an override passed to the operator); lists each field and the rule (no retry)."""
