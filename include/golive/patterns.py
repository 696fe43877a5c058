"""The patterns and limits every validator of a go-live's input shares (no imports beyond ``re``).

The request models (``golive.models``), the DAG's Params (their JSON schema carries these very
patterns), the agents' CLIs (``golive.cli.args``) and the deploy step (``golive.deploy.naming``) all
check against what is defined here, so a value the door accepts is never refused after the gates ran.
Each pattern is valid both as a Python ``re`` and as an ECMA-262 regex (the trigger form's).
"""

from __future__ import annotations

import re

#: A Kubernetes DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric.
DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"

#: The longest application name: the charts truncate ``appName`` to 40 characters to leave room for the
#: suffixes of their object names (``<app>-<variant>-config`` within a 63-character DNS-1123 label);
#: a longer name would not round-trip through the release's names.
MAX_APP_LENGTH = 40

#: A version: it becomes the image tag *and* the ``app.kubernetes.io/version`` label value, so it must
#: be both — at most 63 characters of letters, digits, '_', '.' and '-', starting and ending with a
#: letter or digit. No '+': semver build metadata (``1.0.0+build.7``) is valid in neither, and golive
#: refuses it rather than mapping it (write ``1.0.0-build.7``).
VERSION = r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$"
MAX_VERSION_LENGTH = 63

#: A git branch, tag or commit name as ``git check-ref-format`` allows it: no '..', '//', '@{', no
#: component starting with '.' or ending with '.lock', not starting with '-', '/' or '.', not ending
#: with '/' or '.'; at most 200 characters of letters, digits and ``._/@+-``.
GIT_REF = (r"^(?![-/.])(?!.*\.\.)(?!.*//)(?!.*/\.)(?!.*@\{)(?!.*\.lock(/|$))(?!.*[/.]$)"
           r"[A-Za-z0-9._/@+-]{1,200}$")

#: A commit the orchestrator's plan pins: a git SHA-1/SHA-256, or ``tree:<sha256>`` of a plain directory
#: (``golive.sources.pin``).
COMMIT_PATTERN = r"[0-9a-f]{40}|[0-9a-f]{64}|tree:[0-9a-f]{64}"

#: The user-info part (``user:token@``) of a URL with a scheme. The scheme is bounded (32 characters;
#: registered schemes are shorter) so that a search through a long value stays linear: unbounded, every
#: start position would rescan the rest of a 100 kB value without ``://`` (seconds of CPU per request).
URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{0,31}://)[^/@\s]+@")
#: A secret written as ``name=value`` (password, token, api key …; the value optionally quoted) or a
#: bearer token: the value is what a notification replaces. A bare number is a count, not a secret
#: (``no_secrets = 1``: the scores' reasons are numbers).
SECRET_ASSIGNMENT = re.compile(
    r"(?i)(?P<name>\b[\w.-]*(?:password|passwd|secret|token|api[_-]?key|credential)s?\b\s*=\s*)"
    r"(?P<value>(?![\d.]+(?:[\s,;)]|$))[\"']?[^\s,;&'\"]+[\"']?)|(?P<bearer>\bbearer\s+)[A-Za-z0-9._~+/=-]+")

_NO_DOTDOT = r"(?!(.*/)?\.\.(/|$))"
#: One character of a URL or a path: no whitespace (URLs only), no control character.
_URL_CHAR = r"[^\s\x00-\x1f\x7f]"
_PATH_CHAR = r"[^\x00-\x1f\x7f]"
_LOCAL = rf"(?![-\s])(?!.*://)(?!git@){_NO_DOTDOT}({_PATH_CHAR}*{_URL_CHAR})"
_GIT_URLS = (rf"https://[^\s/@\x00-\x1f\x7f]+(/{_URL_CHAR}*)?"
             rf"|ssh://([^\s/@:\x00-\x1f\x7f]+@)?[^\s/@\x00-\x1f\x7f]+(/{_URL_CHAR}*)?"
             rf"|git@[^\s/@:\x00-\x1f\x7f]+:{_URL_CHAR}+")

#: A source: a git URL without credentials — ``https://host/…`` (no user-info at all),
#: ``ssh://[user@]host/…`` or ``git@host:repo`` (a user name, never a password), ``file:///…`` — or a
#: local path (not starting with '-', no '..' component, no control character, no other ``scheme://``,
#: no whitespace at either end).
SOURCE = rf"^({_GIT_URLS}|file:///{_NO_DOTDOT}{_URL_CHAR}*|{_LOCAL})$"
MAX_SOURCE_LENGTH = 1024


def source_pattern(roots: list[str]) -> str:
    """:data:`SOURCE` narrowed to the allowed source roots: an absolute path or ``file://`` URL must name
    one of ``roots`` or lie below it (the request's own check also resolves symlinks: this is the part a
    JSON schema can say, so the DAG's Params refuse ``/root`` before a run exists)."""
    def under(char: str) -> str:
        below = rf"(/{_NO_DOTDOT}({char}*{_URL_CHAR})?)"
        alternatives = [rf"{re.escape(r.rstrip('/'))}{below}?" if r.rstrip("/") else below for r in roots]
        return f"({'|'.join(alternatives)})" if alternatives else "(?!)"

    relative = rf"(?!/){_LOCAL}"
    return rf"^({_GIT_URLS}|file://{under(_URL_CHAR)}|(?!.*://){under(_PATH_CHAR)}|{relative})$"
