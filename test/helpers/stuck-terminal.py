# Runs a command on a terminal (a pty) that stops being read once the command has printed a
# line containing STOP_AFTER (an environment variable): what a terminal paused with Ctrl+S, or a
# stalled SSH session, looks like to the program. Everything read from the terminal is copied
# to this script's stdout. SIGUSR1 makes it read again; SIGTERM is passed on to the command.
# Exits with the command's exit code. Used by test/integration/serve-terminal.test.ts.
import os
import pty
import select
import signal
import sys

stop_after = os.environ.get('STOP_AFTER', '').encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

state = {'reading': True}
signal.signal(signal.SIGUSR1, lambda *_: state.update(reading=True))
signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGTERM))
out = sys.stdout.buffer
seen = b''
code = None
while code is None:
    if state['reading']:
        try:
            ready, _, _ = select.select([fd], [], [], 0.1)
        except InterruptedError:
            ready = []
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b''
            if data:
                out.write(data)
                out.flush()
                if stop_after and stop_after not in seen:
                    seen += data
                    if stop_after in seen:
                        state['reading'] = False
    else:
        try:
            select.select([], [], [], 0.1)
        except InterruptedError:
            pass
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        code = os.waitstatus_to_exitcode(status)
# What the command printed last, then its exit code as ours.
try:
    while True:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            break
        data = os.read(fd, 65536)
        if not data:
            break
        out.write(data)
except OSError:
    pass
out.flush()
sys.exit(code if code >= 0 else 128 - code)
