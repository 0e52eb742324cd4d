"""Bounds on zip archives and Keras weights files, checked before decompressing.

A model file (:mod:`sklearn_recon._persistence`) and each Keras archive in
it are zip archives: their declared sizes are checked against sane bounds
from the central directory alone, members are read in chunks that stop at
their declared size, and a Keras weights file's datasets may declare no
more bytes than the file holds, so that a hostile file (a compressed
"bomb") is refused in time and memory bounded by its own size.
"""

import io
import zipfile

# Bounds that load checks against the sizes a zip archive declares, before
# decompressing anything. The members of a genuine model file compress about 1.1x
# (trained weights) to 10x (JSON); a compressed "bomb" expands about 1000x.
#: The largest ratio of a member's size to its compressed size.
MAX_COMPRESSION_RATIO = 100
# Members up to this size (and a total of this much beyond the ratio) pass
# whatever their ratio: a small array of zeros compresses very well.
_SMALL_MEMBER = 1 << 20
#: The members of the Keras archive of each network (``Model.save`` writes
#: them uncompressed).
_KERAS_MEMBERS = ("metadata.json", "config.json", "model.weights.h5")
_KERAS_WEIGHTS = "model.weights.h5"
_READ_CHUNK = 1 << 20


def size_problem(infos, size):
    """Why the sizes the zip members ``infos`` declare are not a model file's.

    ``size`` is the length of the archive. Only the central directory is
    read: nothing is decompressed. Returns None when the sizes are sane.
    """
    total = 0
    for info in infos:
        bound = max(_SMALL_MEMBER, MAX_COMPRESSION_RATIO * info.compress_size)
        if info.file_size > bound:
            return (
                f"{info.filename} would expand from {info.compress_size} to "
                f"{info.file_size} bytes, more than {MAX_COMPRESSION_RATIO} times"
            )
        if info.header_offset + info.compress_size > size:
            return f"{info.filename} extends beyond the end of the archive"
        total += info.file_size
    if total > MAX_COMPRESSION_RATIO * size + _SMALL_MEMBER:
        return f"its members would expand to {total} bytes from {size}"
    if sum(info.compress_size for info in infos) > size:
        return "its members overlap"
    return None


def read_member(archive, info):
    """The content of one member: chunked reads that stop at its declared size."""
    chunks, left = [], info.file_size
    with archive.open(info) as member:
        while left > 0:
            chunk = member.read(min(_READ_CHUNK, left))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left != 0 or member.read(1):
            raise zipfile.BadZipFile(f"{info.filename} is not of its declared size")
    return b"".join(chunks)


def _weights_problem(weights):
    """Why the HDF5 weights file ``weights`` is not one Keras wrote, or None.

    Keras stores each weight uncompressed, so its datasets hold no more bytes
    than the file; a compressed or unwritten (fill-value) dataset can declare
    far more, which reading it would allocate. Links to other files are
    refused too.
    """
    import h5py

    declared, problems = 0, []

    def dataset(name, obj):
        nonlocal declared
        if isinstance(obj, h5py.Dataset):
            if obj.is_virtual:
                problems.append(f"{name} maps other files")
            declared += int(obj.size or 0) * obj.dtype.itemsize

    def link(name, link):
        if not isinstance(link, h5py.HardLink):
            problems.append(f"{name} is a link, which Keras does not write")

    with h5py.File(io.BytesIO(weights), "r") as file:
        file.visititems(dataset)  # hard links only, each object once
        if hasattr(file, "visititems_links"):  # h5py >= 3.11
            file.visititems_links(link)
    if problems:
        return problems[0]
    if declared > len(weights):
        return f"its weights declare {declared} bytes in a file of {len(weights)}"
    return None


def check_network(data, name, refuse):
    """Check the Keras archive ``data`` of member ``name`` before Keras reads it.

    The same bounds as the model file's apply to its members, read from the
    central directory before anything is decompressed; then its weights file
    is read (bounded) and its datasets' sizes checked.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            if (
                len(set(names)) != len(names)
                or not set(names) <= set(_KERAS_MEMBERS)
                or _KERAS_WEIGHTS not in names
            ):
                problem = (
                    f"{name} holds {sorted(names)}, not the members of a Keras "
                    f"archive ({', '.join(_KERAS_MEMBERS)})"
                )
            elif (problem := size_problem(infos, len(data))) is not None:
                problem = f"{name}: {problem}"
            else:
                weights = read_member(archive, archive.getinfo(_KERAS_WEIGHTS))
                if (problem := _weights_problem(weights)) is not None:
                    problem = f"{name}: {problem}"
    except Exception as exc:  # noqa: BLE001 - damaged zips and HDF5 fail in many ways
        problem = f"{name} is not a readable Keras archive ({exc})"
    if problem is not None:
        raise refuse(problem)
