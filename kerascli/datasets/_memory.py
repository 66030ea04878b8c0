"""Memory checks: refuse, in one line with the figures, work that would not fit in memory
(decoding a whole image folder; a batch too large for the network)."""
import os


def available_memory():
    """Bytes of memory available to this process (Linux: MemAvailable; else half the RAM)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):
        return None


def gib(n):
    return f"{n / 2 ** 30:.1f} GiB"


def check_fits(nbytes, what, hint="choose a smaller --image-size"):
    """Refuse, in one line with the figures, work that needs more than the available memory."""
    from kerascli.errors import UserError
    free = available_memory()
    if free is not None and nbytes > free:
        raise UserError(f"{what} needs {gib(nbytes)} of memory but {gib(free)} is available; "
                        f"{hint}.")
