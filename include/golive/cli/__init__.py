"""The command-line conventions every agent shares (``python -m golive.agents.<agent> …``).

* :mod:`golive.cli.args`: the argument toolkit — validators for every kind of value an agent takes
  (numbers in a range, DNS-1123 names, URLs, refs, versions, relative paths) and a parser that
  raises instead of printing usage, for agents that answer bad input with JSON;
* :mod:`golive.cli.output`: one output and exit-code convention (JSON on stdout; 0 pass/done,
  1 fail, 2 bad input, 3 warning, 4 source not fetched, 5 ledger not written);
* :mod:`golive.cli.gate`: the gate agents' CLI (``analyze`` one analyzer; the gate action runs them
  all, scores them with the gate's spec and records the verdict).
"""
