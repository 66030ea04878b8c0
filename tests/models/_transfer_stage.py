"""Run the real kerascli, holding a ``train transfer`` run between its two phases.

    python tests/models/_transfer_stage.py train transfer [kerascli arguments ...]

When the head phase has ended (its ``fit`` returned) and before the fine-tuning phase
begins, the process writes ``STAGE between phases`` to file descriptor 2 and waits, so a
test can SIGKILL it exactly at the phase boundary. Only this helper changes timing.
"""
import os
import sys
import time

from kerascli.cli import main
from kerascli.models import transfer

real_unfreeze = transfer.Transfer.unfreeze


def unfreeze(self, model, cfg):
    os.write(2, b"STAGE between phases\n")
    time.sleep(120)
    return real_unfreeze(self, model, cfg)


transfer.Transfer.unfreeze = unfreeze
sys.argv = ["kerascli", *sys.argv[1:]]
main()
