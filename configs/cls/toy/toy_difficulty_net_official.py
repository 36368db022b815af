# Difficulty-Net as the official code trains it: the class weights are
# detached in the virtual step, so the meta loss does not reach D, which is
# trained by the driver loss alone (meta_grad=False). Toy setting of
# toy_difficulty_net.py.
_base_ = ['./toy_difficulty_net.py']

model = dict(meta_grad=False)
