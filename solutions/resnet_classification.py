"""Reference solutions for the ResNet image classification track (teaching code).

This file is the single source of every solution in the track. ``mlkata build`` cuts it
into notebook cells at the ``# %% [...]`` markers; nbgrader's ClearSolutions then replaces
each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block with a stub for learners.
Functions marked "(given)" are not exercises: the checks call them to see your work as
plain data. Shapes: B = batch size, C = number of classes, images are (3, 32, 32).
"""

# %% [setup]
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from grader import check, hint, reveal  # noqa: F401  (the notebook's check, hint, reveal cells)
from grader.tracks.resnet.data import digits_root
from grader.tracks.resnet.images import check_image_folder, check_model_input, load_image

# scikit-learn's handwritten digits as an ImageFolder (root/train/<digit>/*.png, root/val/...),
# written to the mlkata cache on first use: no download.
DIGITS_ROOT = str(digits_root())
TRAIN_DIR, VAL_DIR = f"{DIGITS_ROOT}/train", f"{DIGITS_ROOT}/val"
# Pretrained torchvision ResNets expect inputs normalised with ImageNet's statistics.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


# %% [exercise resnet.transforms]
def build_transforms(train: bool) -> transforms.Compose:
    """Image -> normalised tensor (3, 32, 32); with a light random augmentation if ``train``."""
    ### BEGIN SOLUTION
    steps: list = [transforms.Resize((32, 32))]
    if train:
        # Small shifts and rotations keep a digit a digit; flips would not (a mirrored 2).
        steps.append(transforms.RandomAffine(degrees=10, translate=(0.1, 0.1)))
    steps += [
        transforms.ToTensor(),  # (3, 32, 32), values in [0, 1]
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),  # per channel: (x - mean) / std
    ]
    return transforms.Compose(steps)
    ### END SOLUTION


def transform_image(path: str, train: bool = False) -> torch.Tensor:
    """(given) One image file through build_transforms(train): shape (3, 32, 32)."""
    return build_transforms(train)(load_image(path))


# %% [exercise resnet.loaders]
def build_loaders(root: str, batch_size: int) -> tuple[DataLoader, DataLoader]:
    """(train_loader, val_loader) over the ImageFolders ``root/train`` and ``root/val``."""
    ### BEGIN SOLUTION
    for split in ("train", "val"):
        check_image_folder(f"{root}/{split}")  # one clear error for an empty class folder
    train_set = datasets.ImageFolder(f"{root}/train", transform=build_transforms(train=True))
    val_set = datasets.ImageFolder(f"{root}/val", transform=build_transforms(train=False))
    # Shuffle the training data every epoch; keep evaluation in a fixed order.
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=batch_size, shuffle=False)
    return train_loader, val_loader
    ### END SOLUTION


def describe_loaders(root: str, batch_size: int) -> dict:
    """(given) Plain data about your loaders, for the check."""
    train_loader, val_loader = build_loaders(root, batch_size)
    first_images, first_labels = next(iter(val_loader))  # (B, 3, 32, 32), (B,)
    return {
        "classes": list(val_loader.dataset.classes),
        "sizes": [len(train_loader.dataset), len(val_loader.dataset)],
        "val_images": first_images,
        "val_labels": first_labels,
        "train_labels": next(iter(train_loader))[1],
        # The first training image through the training transform twice: (2, 3, 32, 32).
        "train_views": torch.stack([train_loader.dataset[0][0], train_loader.dataset[0][0]]),
    }


# %% [exercise resnet.fix_script]
def evaluate(model: torch.nn.Module, loader: DataLoader) -> float:
    """Accuracy of ``model`` over every image of ``loader`` (the article's script, fixed)."""
    ### BEGIN SOLUTION
    model.eval()  # BatchNorm must use its running statistics, not the batch's
    correct, total = 0, 0
    with torch.no_grad():  # no autograd graph: faster, less memory
        for images, labels in loader:  # (B, 3, 32, 32), (B,)
            predictions = model(images).argmax(dim=-1)  # (B,)
            correct += (predictions == labels).sum().item()
            total += labels.numel()
    return correct / total  # count images, not batches: the last batch may be smaller
    ### END SOLUTION


def evaluate_folder(model: torch.nn.Module, folder: str, batch_size: int = 64) -> float:
    """(given) evaluate() on an ImageFolder read through your evaluation transforms."""
    images = datasets.ImageFolder(folder, transform=build_transforms(False))
    return evaluate(model, DataLoader(images, batch_size=batch_size))


# %% [exercise resnet.head]
def replace_head(model: torch.nn.Module, num_classes: int) -> torch.nn.Module:
    """Give a torchvision ResNet a new, untrained classifier for ``num_classes`` classes."""
    ### BEGIN SOLUTION
    in_features = model.fc.in_features  # 512 for ResNet-18/34, 2048 for ResNet-50 and up
    model.fc = torch.nn.Linear(in_features, num_classes)  # (B, in_features) -> (B, C)
    return model
    ### END SOLUTION


# %% [exercise resnet.fine_tune]
def fine_tune(
    model: torch.nn.Module,
    train_dir: str,
    epochs: int = 1,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    freeze_backbone: bool = True,
) -> torch.nn.Module:
    """Train ``model`` on the ImageFolder ``train_dir`` with cross-entropy; return it."""
    ### BEGIN SOLUTION
    torch.manual_seed(0)
    dataset = datasets.ImageFolder(train_dir, transform=build_transforms(train=True))
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    if freeze_backbone:
        model.requires_grad_(False)  # keep the pretrained features ...
        model.fc.requires_grad_(True)  # ... and learn only the new head
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=learning_rate)
    for _ in range(epochs):
        # A frozen backbone keeps BatchNorm in eval mode, or its statistics would drift.
        model.train(not freeze_backbone)
        model.fc.train()
        for images, labels in loader:  # (B, 3, 32, 32), (B,)
            loss = F.cross_entropy(model(images), labels)  # logits (B, C) vs labels: scalar
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
    ### END SOLUTION


# %% [exercise resnet.confusion]
def collect_predictions(
    model: torch.nn.Module, loader: DataLoader
) -> tuple[torch.Tensor, torch.Tensor]:
    """(targets, predictions) over the whole loader, both of shape (N,)."""
    ### BEGIN SOLUTION
    model.eval()
    targets, predictions = [], []
    with torch.no_grad():
        for images, labels in loader:  # (B, 3, 32, 32), (B,)
            targets.append(labels)
            predictions.append(model(images).argmax(dim=-1))  # (B,)
    return torch.cat(targets), torch.cat(predictions)  # (N,), (N,)
    ### END SOLUTION


def confusion_matrix(
    targets: torch.Tensor, predictions: torch.Tensor, num_classes: int
) -> torch.Tensor:
    """Counts (C, C): row = true class, column = predicted class."""
    ### BEGIN SOLUTION
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.long)  # (C, C)
    ones = torch.ones_like(targets, dtype=torch.long)  # (N,)
    confusion.index_put_((targets.long(), predictions.long()), ones, accumulate=True)
    return confusion
    ### END SOLUTION


def confusion_for_folder(model: torch.nn.Module, folder: str, batch_size: int = 64):
    """(given) The confusion matrix of ``model`` on an ImageFolder, through your functions."""
    images = datasets.ImageFolder(folder, transform=build_transforms(False))
    truth, guesses = collect_predictions(model, DataLoader(images, batch_size=batch_size))
    return confusion_matrix(truth, guesses, len(images.classes))


# %% [exercise resnet.topk]
def predict_topk(
    model: torch.nn.Module, image_path: str, class_names: list[str], k: int = 3
) -> list[tuple[str, float]]:
    """The ``k`` most likely classes of one image file: [(name, probability), ...], best first."""
    ### BEGIN SOLUTION
    image = build_transforms(train=False)(load_image(image_path))  # RGB, (3, 32, 32)
    batch = check_model_input(image.unsqueeze(0), model)  # (1, 3, 32, 32): models want batches
    model.eval()
    with torch.no_grad():
        probabilities = model(batch).softmax(dim=-1)[0]  # (C,), sums to 1
    top = probabilities.topk(k)  # values and indices, (k,) each, largest first
    pairs = zip(top.indices.tolist(), top.values.tolist(), strict=True)
    return [(class_names[index], probability) for index, probability in pairs]
    ### END SOLUTION
