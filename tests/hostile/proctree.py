#!/usr/bin/env python3
# proctree.py PID — prints "RSS_KB DESCENDANTS": the summed VmRSS (from /proc/<pid>/status) of PID
# and every process below it, and how many descendants there are. A server that forks per
# connection (sshd) or per session (warpsshd's commands) is measured as a whole.
import os
import sys


def read_procs():
    children, rss = {}, {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        pid = int(name)
        try:
            with open(f'/proc/{pid}/stat') as f:
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
            with open(f'/proc/{pid}/status') as f:
                for line in f:
                    if line.startswith('VmRSS:'):
                        rss[pid] = int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
        children.setdefault(ppid, []).append(pid)
    return children, rss


def main():
    root = int(sys.argv[1])
    children, rss = read_procs()
    total, count, stack = 0, 0, [root]
    while stack and count < 100000:
        pid = stack.pop()
        total += rss.get(pid, 0)
        count += 1
        stack.extend(children.get(pid, []))
    print(total, count - 1)


main()
