"""Finding the images of a folder of class subfolders: which files are images (by extension;
hidden files and ``Thumbs.db`` ignored), walked recursively with symlinked folders followed
once, and each file labelled by the class folder it really lies in.

Used by :mod:`kerascli.datasets.images` (the image-folder dataset).
"""
import os

EXTENSIONS = (".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".gif", ".webp")


def _visible(name):
    return not name.startswith(".") and name.lower() not in ("thumbs.db", "desktop.ini")


def subdirs(path):
    with os.scandir(path) as it:
        return sorted(e.name for e in it if e.is_dir() and _visible(e.name))


def _walk(folder, seen):
    """Image files under ``folder``, recursively, in sorted order; ``seen`` holds the real
    paths of folders already walked (symlinks followed once, no loops)."""
    real = os.path.realpath(folder)
    if real in seen:
        return []
    seen.add(real)
    files, folders = [], []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    for entry in entries:
        if not _visible(entry.name):
            continue
        try:
            if entry.is_dir():
                folders.append(entry.path)
            elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in EXTENSIONS:
                files.append(entry.path)
        except OSError:  # a dangling link
            continue
    for sub in folders:
        files += _walk(sub, seen)
    return files


def scan(root, class_names=None, notes=None):
    """{class name: [image paths]} of one folder of class subfolders (walked recursively).

    A file is labelled by the class folder it really lies in (its resolved path), whatever
    link led to it: ``cat/extra -> ../dog/sub`` does not turn dog images into cats, and a
    link back up to the root does not empty the other classes. A file reached twice counts
    once. ``notes``: a list that gets one line when links crossed classes."""
    from pathlib import Path
    from kerascli.errors import DataError
    found = subdirs(root)
    if not found:
        raise DataError(root, "no class subfolders; expected one subfolder of images per "
                              "class (e.g. cats/ and dogs/).")
    homes = {name: os.path.realpath(os.path.join(root, name)) for name in found}

    def home(real, walked_from):
        inside = [n for n, folder in homes.items() if real.startswith(folder + os.sep)]
        # the innermost class folder holding it (a class folder inside another's tree)
        return max(inside, key=lambda n: len(homes[n])) if inside else walked_from

    by_class, placed, crossed = {name: [] for name in found}, set(), []
    for name in found:  # each class walked on its own: one class's walk never hides another's
        for path in _walk(os.path.join(root, name), set()):
            real = os.path.realpath(path)
            if real in placed:
                continue
            placed.add(real)
            owner = home(real, name)
            if owner != name:
                crossed.append((path, owner))
            by_class[owner].append(Path(path))
    if crossed and notes is not None:
        path, owner = crossed[0]
        notes.append(f"{len(crossed)} image(s) reached through a link from one class folder "
                     f"into another are labelled by the folder they lie in (e.g. "
                     f"{os.path.relpath(path, root)} is {owner!r})")
    return by_class
