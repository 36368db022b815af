# tau-normalisation (Kang et al., ICLR 2020) with tau chosen on the
# CDB held-out split (50 images per class that the CE model was not trained
# on), as Kang et al. choose it on validation data: before the test,
# PostHocTauSearchHook tries tau = 0, 0.1, ..., 2 on the held-out images and
# tests with the best; it logs the choice and writes tau_search.json.
#   python tools/test.py \
#       configs/cls/baselines/resnet32_cifar100-lt-r100_tau-norm-heldout.py \
#       work_dirs/resnet32_cifar100-lt-r100_ce/epoch_200.pth
_base_ = ['./resnet32_cifar100-lt-r100_tau-norm.py']

custom_hooks = [
    dict(
        type='PostHocTauSearchHook',
        dataloader=dict(
            batch_size=128,
            num_workers=2,
            dataset={{_base_.heldout_dataset}}))
]
