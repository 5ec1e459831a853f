"""sipbot: ask for and follow a SIP (samordnad individuell plan) in Telegram."""

import os

# PTB 22 returns durations as timedelta when this is set, as PTB 23 always will; opting in now
# keeps the code ready and the deprecation warning away.
os.environ.setdefault("PTB_TIMEDELTA", "1")
