"""Long-tailed classification data sets: CIFAR-10/100-LT (python pickles),
ImageNet-LT and Places-LT (list files), two-class imbalanced MNIST (idx
files)."""
from .cifar_lt import CIFAR10LT, CIFAR100LT
from .list_file_lt import ImageNetLT, ListFileLTDataset, PlacesLT
from .long_tail_profile import long_tail_counts
from .mnist_two_class import MNISTTwoClassImbalanced

__all__ = [
    'CIFAR10LT', 'CIFAR100LT', 'ImageNetLT', 'PlacesLT', 'ListFileLTDataset',
    'MNISTTwoClassImbalanced', 'long_tail_counts'
]
