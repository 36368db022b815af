"""Backbones of the long-tailed classification literature that mmpretrain
lacks: the thin CIFAR ResNets (ResNet-32) and ResNet-10."""
from .resnet10 import ResNet10
from .resnet_cifar_thin import ResNet_CIFAR_Thin

__all__ = ['ResNet10', 'ResNet_CIFAR_Thin']
