# SPDX-License-Identifier: BSD-3-Clause
"""The golden cases' independent reference (tests/pcap/sluice_ref.py: SipHash, flow keys,
cookie, Maglev) for the labs' checks."""

import os
import sys

PCAP_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pcap")


def sluice_ref():
    """The sluice_ref module, or None when it does not import (the checks that need it are
    then skipped)."""
    sys.path.insert(0, PCAP_DIR)
    try:
        import sluice_ref
        return sluice_ref
    except Exception:
        return None
    finally:
        sys.path.pop(0)
