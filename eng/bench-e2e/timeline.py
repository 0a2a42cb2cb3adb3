"""Where a test process's time goes, read from its Microsoft.Testing.Platform diagnostic log (--diagnostic at Trace).

Milliseconds since the log's first line (the platform's builder, just after Main): when the test session started,
when the first test started and ended, when the last test ended, and when the session ended. A run with Neon.Testing
pays its session start before the first test and its end after the last; the app's cold start falls between the
first test's start and end in every variant.
"""
import glob
import os
import re
import sys

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT(\d\d):(\d\d):(\d\d\.\d+))")
_STATE = re.compile(r"(InProgress|Passed|Failed|Skipped|Error|Timeout)TestNodeStateProperty")


def _seconds(match):
    return int(match.group(2)) * 3600 + int(match.group(3)) * 60 + float(match.group(4))


def read(path):
    """The phases of one diagnostic log, or None when it has no test in it."""
    # One record per stamped line, with the lines after it that carry no stamp (a message's body).
    records = []
    for line in open(path, errors="replace").read().split("\n"):
        stamp = _STAMP.match(line)
        if stamp:
            records.append([_seconds(stamp), line])
        elif records:
            records[-1][1] += line
    start = records[0][0] if records else None
    session_started = session_ended = None
    started, ended = [], []
    for t, text in records:
        ms = round((t - start) * 1000, 1)
        if "Starting test session" in text and session_started is None:
            session_started = ms
        elif re.search(r"Test session .* ended with exit code", text):
            session_ended = ms
        elif "TestNodeUpdateMessage" in text:
            state = _STATE.search(text)
            if state:
                (started if state.group(1) == "InProgress" else ended).append(ms)
    if not started or not ended:
        return None
    return {
        "session_started_ms": session_started,
        "first_test_started_ms": min(started),
        "first_test_ended_ms": min(ended),
        "last_test_ended_ms": max(ended),
        "session_ended_ms": session_ended,
    }


def read_folder(folder):
    """The phases of the newest diagnostic log in folder, if any."""
    logs = sorted(glob.glob(os.path.join(folder, "*.diag")), key=os.path.getmtime)
    return read(logs[-1]) if logs else None


if __name__ == "__main__":
    print(read_folder(sys.argv[1]) if os.path.isdir(sys.argv[1]) else read(sys.argv[1]))
