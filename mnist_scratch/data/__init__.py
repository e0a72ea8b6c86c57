"""Data: finding, verifying, downloading and loading MNIST (and Fashion-MNIST).

Support code, not the lesson's math: a learner calls :func:`load_mnist` and
:func:`train_dev_split`; the rest is here for the curious and for the tests.

=============  ==============================================================
``locate``     which folder, which files (``MNIST_SCRATCH_DATA_DIR``)
``sources``    the data sets, their mirrors (and course mirrors) and official hashes
``download``   mirrors tried in order, one process per file, verified, atomic
``lock``       the lock one downloading process holds, even on somebody else's lock file
``fetch``      one URL into a file, bounded in size and in time; passwords never shown
``access``     open a data file only if it is a regular file; who may not read it, and why
``idx``        the IDX file format, read as a bounded stream
``pixels``     scaling uint8 pixels to the network's inputs
``mnist``      :func:`load_mnist`
``csvlines``   a CSV file as numbered lines: gzip, BOM, UTF-16, any line ends, bounded
``csvcells``   a CSV file's layout, and blocks of lines parsed into numbers
``csvio``      :func:`load_csv` (streamed, in blocks), :func:`save_csv`
``split``      :func:`train_dev_split`
``atomic``     write a file whole or not at all, with the umask's mode
``errors``     the errors, each naming the file
``owners``     who owns a file, its mode, who we are: words for permission errors
=============  ==============================================================
"""

from .csvio import load_csv, save_csv
from .errors import DataFileError, DataNotFoundError, DownloadError, FileWriteError
from .idx import IdxFormatError, load_idx, parse_idx, read_idx_file
from .locate import ENV_VAR, find_files, resolve_data_dir
from .mnist import MNIST, load_mnist
from .pixels import SCALES, scale_pixels
from .sources import DATASETS, MIRRORS_ENV_VAR, PARTS, get_dataset, mirrors_for
from .split import dev_indices, train_dev_split

__all__ = [
    "load_mnist", "MNIST", "load_csv", "save_csv", "load_idx", "parse_idx", "read_idx_file", "train_dev_split",
    "DownloadError", "DataFileError", "DataNotFoundError", "FileWriteError", "IdxFormatError",
    "ENV_VAR", "resolve_data_dir", "find_files", "SCALES", "scale_pixels", "DATASETS", "PARTS",
    "get_dataset", "mirrors_for", "MIRRORS_ENV_VAR", "dev_indices",
]
