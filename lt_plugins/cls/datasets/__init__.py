"""Long-tailed classification data sets: CIFAR-10/100-LT (python pickles),
ImageNet-LT and Places-LT (list files)."""
from .cifar_lt import CIFAR10LT, CIFAR100LT
from .list_file_lt import ImageNetLT, ListFileLTDataset, PlacesLT
from .long_tail_profile import long_tail_counts

__all__ = [
    'CIFAR10LT', 'CIFAR100LT', 'ImageNetLT', 'PlacesLT', 'ListFileLTDataset',
    'long_tail_counts'
]
