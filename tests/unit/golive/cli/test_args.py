"""The agents' argument toolkit: each validator names the option and the rule it broke."""

from __future__ import annotations

import argparse

import pytest

from golive.cli import args
from golive.cli.output import VERDICT_EXIT, ExitCode
from golive.models import VerdictStatus


@pytest.mark.parametrize(("check", "text", "message"), [
    (args.number("threshold", 0, 100), "120", "threshold must be within 0-100, got 120"),
    (args.number("threshold", 0, 100), "nan", "threshold must be within 0-100"),
    (args.number("--weight", 0, 100, above=True), "0", "--weight must be within (0, 100], got 0"),
    (args.number("timeout", 0, above=True), "x", "timeout must be a number, got 'x'"),
    (args.whole("--probes", 1, 100), "2.5", "--probes must be a whole number"),
    (args.dns_label("application"), "Bad_Name", "must be a DNS-1123 label"),
    (args.target_url, "http://user:pw@host", "must not carry user:password@"),
    (args.ref, "-rf", "is not a branch, tag or commit name"),
    (args.relative_path, "../etc", "must be a path relative to --source"),
    (args.url_path, "api", "must be a URL path starting with '/'"),
    (args.env_name, "lower", "is not an environment variable name"),
])
def test_bad_values_are_refused_with_the_rule(check, text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        check(text)


def test_good_values_come_back_parsed() -> None:
    assert args.number("threshold", 0, 100)("85") == 85.0
    assert args.whole("--replicas", 0, 9999)("3") == 3
    assert args.target_url("http://shop.ns.svc:8080/") == "http://shop.ns.svc:8080"
    assert args.dns_label("deployment", 253, args.DNS1123_SUBDOMAIN)("api.v1") == "api.v1"


def test_the_raising_parser_raises_instead_of_exiting() -> None:
    parser = args.RaisingParser(prog="x")
    parser.add_argument("--n", type=args.whole("--n", 1), required=True)
    with pytest.raises(args.UsageError, match="--n must be within"):
        parser.parse_args(["--n", "0"])


def test_one_exit_code_convention() -> None:
    assert [VERDICT_EXIT[s] for s in (VerdictStatus.PASS, VerdictStatus.FAIL, VerdictStatus.WARNING)] == [
        ExitCode.OK, ExitCode.FAIL, ExitCode.WARNING]
    assert (ExitCode.USAGE, ExitCode.SOURCE, ExitCode.LEDGER) == (2, 4, 5)
