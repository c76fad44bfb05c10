"""ResNet image classification track: a real torchvision ResNet-18 on real digit images."""
