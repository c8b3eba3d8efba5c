# PyInstaller runtime hook. A windowed build (console=False) on Windows starts with sys.stdout and
# sys.stderr set to None; print(), logging and uvicorn (`labelassist --serve`, --self-test) need real
# streams, so the missing ones go to the null device. Streams a launcher passes in (pipes) are kept.
import os
import sys

for _name in ("stdout", "stderr"):
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the app
