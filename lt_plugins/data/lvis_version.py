"""Which LVIS release an annotation file follows: v0.5 or v1.

The two releases differ in how an image record names its file. LVIS v0.5
image records carry ``file_name`` (``COCO_val2014_000000397133.jpg`` in the
real files; mmdet's ``LVISV05Dataset`` reads it); LVIS v1 image records have
no ``file_name`` and name the image only by ``coco_url``
(``http://images.cocodataset.org/train2017/000000391895.jpg``), from which
mmdet's ``LVISV1Dataset`` derives the path under the data root (a v1 val image
may lie in ``train2017/``). Both releases keep ``neg_category_ids`` and
``not_exhaustive_category_ids`` on every image and the same category fields
(``synset``, ``synonyms``, ``def``, ``image_count``, ``instance_count``,
``frequency``). The real v0.5 set has 1230 categories, v1 has 1203; the count
alone does not decide the version (subsets and toy sets have other counts),
the image records do.

Only the standard library is used.
"""
import json
from typing import Dict, Optional

#: The versions :func:`lvis_version` returns.
LVIS_VERSIONS = ('v0.5', 'v1')
#: mmdet dataset class that reads each version.
LVIS_DATASET_TYPES: Dict[str, str] = {
    'v0.5': 'LVISV05Dataset',
    'v1': 'LVISV1Dataset'
}
#: Number of categories of the real releases.
LVIS_NUM_CLASSES: Dict[str, int] = {'v0.5': 1230, 'v1': 1203}
#: ``info['version']`` of the real releases.
_INFO_VERSIONS = {'0.5': 'v0.5', '1.0': 'v1', '1': 'v1'}


def _image_version(img: dict) -> Optional[str]:
    """Version one image record belongs to, or None if it fits neither."""
    if 'file_name' in img:
        return 'v0.5'
    url = img.get('coco_url')
    if isinstance(url, str) and url:
        return 'v1'
    return None


def lvis_version(ann: dict) -> str:
    """Say whether an LVIS annotation dict is in the v0.5 or the v1 format.

    The image records decide: every image has ``file_name`` (v0.5), or none
    has it and every image has a non-empty ``coco_url`` (v1). Only a file
    without images falls back to ``info['version']`` (``'0.5'`` or
    ``'1.0'``).

    Args:
        ann (dict): Parsed LVIS annotation json.

    Returns:
        str: ``'v0.5'`` or ``'v1'``.

    Raises:
        TypeError: If ``ann`` is not a dict or its ``images`` not a list.
        ValueError: If an image record fits neither format, if v0.5 and v1
            records are mixed, or if a file without images has no known
            ``info['version']``; the message names the offending record.
    """
    if not isinstance(ann, dict):
        raise TypeError(f'an LVIS annotation file holds a dict, got '
                        f'{type(ann).__name__}')
    images = ann.get('images')
    if not isinstance(images, list):
        raise TypeError(f"LVIS 'images' must be a list, got "
                        f'{type(images).__name__}')
    if not images:
        info = ann.get('info')
        raw = info.get('version') if isinstance(info, dict) else None
        version = _INFO_VERSIONS.get(str(raw)) if raw is not None else None
        if version is None:
            raise ValueError(
                'cannot tell the LVIS version of a file without images: '
                f"info['version'] is {raw!r}, expected one of "
                f'{sorted(_INFO_VERSIONS)}')
        return version
    first_id, first_version = None, None
    for img in images:
        if not isinstance(img, dict):
            raise ValueError(f'LVIS image record is not a dict: {img!r:.200}')
        version = _image_version(img)
        if version is None:
            raise ValueError(
                f'image {img.get("id")!r} has neither file_name (LVIS v0.5) '
                f'nor a coco_url (LVIS v1); keys: {sorted(img)}')
        if first_version is None:
            first_id, first_version = img.get('id'), version
        elif version != first_version:
            raise ValueError(
                'LVIS v0.5 and v1 image records are mixed: image '
                f'{first_id!r} is {first_version}, image {img.get("id")!r} '
                f'is {version} (v0.5 records have file_name, v1 records '
                'only coco_url)')
    return first_version


def lvis_file_version(path: str) -> str:
    """:func:`lvis_version` of the LVIS json at ``path``.

    Args:
        path (str): Annotation json.

    Returns:
        str: ``'v0.5'`` or ``'v1'``.
    """
    with open(path) as f:
        ann = json.load(f)
    try:
        return lvis_version(ann)
    except (TypeError, ValueError) as e:
        raise ValueError(f'{path}: {e}') from e


def lvis_image_path(img: dict) -> str:
    """Image path relative to the data root, as mmdet's datasets build it.

    mmdet 3.3's ``LVISV1Dataset`` takes the ``coco_url`` without
    ``http://images.cocodataset.org/`` (so ``train2017/<id>.jpg`` or
    ``val2017/<id>.jpg``, read with ``data_prefix=dict(img='')``);
    ``LVISV05Dataset`` uses ``file_name`` (the COCO 2014 names
    ``COCO_<split>2014_<id>.jpg`` shortened to ``<id>.jpg``) under its
    ``data_prefix``, which this function does not know, so for v0.5 the
    returned path is relative to that prefix.

    Args:
        img (dict): One LVIS image record.

    Returns:
        str: The relative path.
    """
    version = _image_version(img)
    if version == 'v1':
        return img['coco_url'].replace('http://images.cocodataset.org/', '')
    if version == 'v0.5':
        name = img['file_name']
        return name[-16:] if name.startswith('COCO') else name
    raise ValueError(f'image {img.get("id")!r} has neither file_name nor '
                     f'coco_url; keys: {sorted(img)}')
