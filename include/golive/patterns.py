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

#: The user-info part (``user:token@``) of a URL with a scheme.
URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")

_NO_DOTDOT = r"(?!(.*/)?\.\.(/|$))"
_LOCAL = rf"(?![-\s])(?!.*://)(?!git@){_NO_DOTDOT}([^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])"
_GIT_URLS = (r"https://[^\s/@]+(/\S*)?"
             r"|ssh://([^\s/@:]+@)?[^\s/@]+(/\S*)?"
             r"|git@[^\s/@:]+:\S+")

#: A source: a git URL without credentials — ``https://host/…`` (no user-info at all),
#: ``ssh://[user@]host/…`` or ``git@host:repo`` (a user name, never a password), ``file:///…`` — or a
#: local path (not starting with '-', no '..' component, no control character, no other ``scheme://``,
#: no whitespace at either end).
SOURCE = rf"^({_GIT_URLS}|file:///{_NO_DOTDOT}\S*|{_LOCAL})$"
MAX_SOURCE_LENGTH = 1024


def source_pattern(roots: list[str]) -> str:
    """:data:`SOURCE` narrowed to the allowed source roots: an absolute path or ``file://`` URL must name
    one of ``roots`` or lie below it (the request's own check also resolves symlinks: this is the part a
    JSON schema can say, so the DAG's Params refuse ``/root`` before a run exists)."""
    under = "|".join(re.escape(r.rstrip("/")) for r in roots) or "(?!)"
    absolute = rf"({under})(/{_NO_DOTDOT}[^\x00-\x1f\x7f]*)?"
    relative = rf"(?!/){_LOCAL}"
    return rf"^({_GIT_URLS}|file://{absolute}|{absolute}|{relative})$"
