"""What systemd's socket activation with Accept=yes does for a lab host's service: listen on one
address, and run COMMAND once per connection with the connection as its stdin and stdout.

    socket_activation.py --listen ADDRESS:PORT [--max N] [--limit SECONDS] -- COMMAND...

Bounded like the unit it stands in for (MaxConnections, RuntimeMaxSec): at most N commands at once
(a connection beyond them is closed), each killed after SECONDS. Runs until it is killed.
"""
import argparse
import socket
import subprocess
import threading


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--max", type=int, default=16)
    parser.add_argument("--limit", type=float, default=10)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no COMMAND after --")
    host, port = args.listen.rsplit(":", 1)
    slots = threading.BoundedSemaphore(args.max)
    server = socket.create_server((host, int(port)))

    def serve(connection):
        try:
            subprocess.run(command, stdin=connection.fileno(), stdout=connection.fileno(),
                           stderr=subprocess.DEVNULL, timeout=args.limit, check=False)
        except subprocess.TimeoutExpired:
            pass
        finally:
            connection.close()
            slots.release()

    while True:
        connection, _ = server.accept()
        if not slots.acquire(blocking=False):
            connection.close()
            continue
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
