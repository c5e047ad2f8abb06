"""`python -m bot.server run|train ...`: Rasa's own command line, with bot/speedups.py installed
and `rasa train`'s validation run beside the training (bot/background_validation.py).

`run` takes the API's JWT secret from RASA_API_TOKEN and adds it to the arguments here,
in-process (bot/api_auth.py): /proc/PID/cmdline, and so `ps`, show the arguments the
process was started with, never this one.

Kiwi's dictionaries and model (300 MB) are loaded here, before Sanic forks its
workers (SANIC_WORKERS), so that every worker shares one copy instead of loading its
own. Everything loaded by then is frozen out of the garbage collector's sight
(bot/heap_freeze.py): the server's supervising process stays light, and the workers
inherit it.
"""

from __future__ import annotations

import os
import sys

from bot import background_validation, heap_freeze, log_masking, speedups
from bot.api_auth import TOKEN_ENV, rasa_arguments
from bot.nlu.ko_en_tokenizer import kiwi
from bot.nlu.sentence_encoder import USE_MULTILINGUAL, load_encoder

NO_SECRET = (
    f"{TOKEN_ENV} 값이 없어요. Rasa HTTP API(--enable-api)는 이 비밀값으로 서명한 JWT에만 "
    "열려요. 설정하세요(make run은 자동으로 만들어요).\n"
    f"{TOKEN_ENV} is not set. Rasa's HTTP API (--enable-api) opens only to JWTs signed with "
    "it: set it (make run makes one up)."
)


def main() -> None:
    # Checked before the slow loading below. Without a secret Rasa would start its API
    # open to anyone, who could then read and write every conversation.
    serving = sys.argv[1:2] == ["run"]
    if serving and "--enable-api" in sys.argv and not os.environ.get(TOKEN_ENV):
        sys.exit(NO_SECRET)
    speedups.install()
    background_validation.install()
    log_masking.install()
    kiwi().tokenize("안녕하세요")
    # With the default config (one BLAS thread per call); a config with other settings
    # loads its own.
    load_encoder(USE_MULTILINGUAL, threads=1)
    heap_freeze.freeze_what_is_loaded()
    from rasa.__main__ import main as rasa_main

    if serving:
        sys.argv += rasa_arguments(os.environ)
    rasa_main()


if __name__ == "__main__":
    main()
