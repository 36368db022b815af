"""Which images two classification data sets share.

CDB measures class difficulty on a held-out split that must not hold
training images (SPEC section 1): a held-out image the model was trained on
is recognised too well and makes its class look easy. The split and the
training set are built from two configs, so nothing but a check keeps them
apart (e.g. a CIFAR-LT training split built with ``heldout_per_class=0``
contains every image of the held-out split).

An image is identified by its data info:

* ``source_id`` (the CIFAR-LT data sets: archive folder, file group and
  index in the files);
* else ``img_path`` (list-file data sets such as ImageNet-LT / Places-LT,
  and any mmpretrain data set loading files), made absolute and normalised.
  Two paths that reach one file through a symbolic link count as two images.

A data set some of whose samples have neither cannot be checked.
"""
import os.path as osp
from typing import Iterator, List, Optional


def sample_key(info: dict) -> Optional[str]:
    """Identity of the image of one data info, or None if unknown."""
    if info.get('source_id') is not None:
        return str(info['source_id'])
    if info.get('img_path'):
        return osp.normpath(osp.abspath(info['img_path']))
    return None


def _keys(dataset) -> Iterator[Optional[str]]:
    for i in range(len(dataset)):
        yield sample_key(dataset.get_data_info(i))


def shared_samples(train, heldout) -> Optional[List[str]]:
    """Images of ``heldout`` that ``train`` holds too.

    Works through mmengine's data set wrappers (their ``get_data_info`` maps
    the wrapper's indices).

    Args:
        train: The training data set.
        heldout: The held-out data set.

    Returns:
        list[str] | None: Keys of the shared images, each once, in training
        order; None if the overlap cannot be determined (a data set without
        ``get_data_info`` or a sample without ``source_id``/``img_path``).
    """
    if not (hasattr(train, 'get_data_info')
            and hasattr(heldout, 'get_data_info')):
        return None
    heldout_keys = set()
    for key in _keys(heldout):
        if key is None:
            return None
        heldout_keys.add(key)
    shared, seen = [], set()
    for key in _keys(train):
        if key is None:
            return None
        if key in heldout_keys and key not in seen:
            seen.add(key)
            shared.append(key)
    return shared
