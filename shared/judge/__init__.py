"""The judge: a second opinion from a catalogue model on the analyser's verdicts (issue #12).

``prompt`` builds the judging prompt (and the simulator reads it back), ``verdict`` parses a
judge's reply, applies the verbatim-quote check and compares it with the rules, ``select``
decides which cells and brands a run's judge re-reads. The rules stay the default: a judge
verdict is reported beside the rule verdict, never silently in its place.
"""
