from setuptools import find_packages, setup

setup(
    name='lt_plugins',
    version='0.1.0',
    description='Class-difficulty based long-tailed learning for MMDetection and MMPretrain',
    packages=find_packages(include=['lt_plugins', 'lt_plugins.*']),
    python_requires='>=3.8',
    install_requires=['numpy', 'mmengine>=0.10.0'],
    extras_require={
        'det': ['mmdet>=3.3.0,<3.4', 'mmcv>=2.0.0,<2.2.0', 'lvis>=0.5.3',
                'pycocotools', 'faster-coco-eval==1.8.*'],
        'cls': ['mmpretrain>=1.2.0,<1.3'],
        'plots': ['matplotlib>=3.7'],
        'tests': ['pytest', 'matplotlib>=3.7'],
    },
)
