"""`python -m bench.stock_rasa run ...`: stock `rasa run`, given its API's JWT secret
from RASA_API_TOKEN in-process, as ours is (bot/api_auth.py).

Nothing else differs from `python -m rasa`: the secret stays out of `ps`, and the
bench's clients call both servers the same way, with a Bearer JWT.
"""

from __future__ import annotations

import os
import sys

from rasa.__main__ import main

from bot.api_auth import rasa_arguments

if __name__ == "__main__":
    # bench/runners.py's BaselineServer always sets RASA_API_TOKEN.
    sys.argv += rasa_arguments(os.environ)
    main()
