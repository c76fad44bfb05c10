"""ResNet track specifics: the platform's image helpers fail with one-line messages, the
digits data rebuild themselves, and the bank corrects the article. (Reference, stubs and
wrong solutions: tests/tracks/test_every_exercise.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grader.engine.catalog import load_tracks
from grader.tracks.resnet.images import ImageDataError
from tests.tracks.checking import reference_namespace

EXERCISES = [exercise.id for exercise in load_tracks()["resnet"].exercises]
FAST = [e for e in EXERCISES if e != "resnet.fine_tune"]


@pytest.fixture(scope="session")
def resnet_reference() -> dict[str, Any]:
    """The reference solutions, as the namespace a notebook would have (data built once)."""
    return reference_namespace("resnet_classification")


# --- one-line errors ---------------------------------------------------------------------


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and isinstance(error.value, ImageDataError)
    return message


def test_a_file_that_is_not_an_image(tmp_path: Path, resnet_reference: dict) -> None:
    """Is a text file named .png refused in one line, naming the file?"""
    fake = tmp_path / "cat.png"
    fake.write_text("not a picture")
    with pytest.raises(ImageDataError) as error:
        resnet_reference["predict_topk"](None, str(fake), ["a"], 1)
    assert "cat.png is not an image" in one_line(error)


def test_a_grey_image_for_a_three_channel_model(resnet_reference: dict) -> None:
    """Is a 1-channel batch for an RGB ResNet refused in one line, saying how to fix it?"""
    import torch
    from torchvision.models import resnet18

    with pytest.raises(ImageDataError) as error:
        resnet_reference["check_model_input"](torch.zeros(1, 1, 32, 32), resnet18())
    assert "expects 3-channel images but got 1" in one_line(error)
    assert ".convert('RGB')" in one_line(error)


def test_an_empty_class_folder(tmp_path: Path, resnet_reference: dict) -> None:
    """Does build_loaders refuse an ImageFolder with an empty class folder in one line?"""
    import shutil

    for split in ("train", "val"):
        shutil.copytree(Path(resnet_reference["VAL_DIR"]) / "1", tmp_path / split / "1")
        (tmp_path / split / "2").mkdir()
    with pytest.raises(ImageDataError) as error:
        resnet_reference["build_loaders"](str(tmp_path), 8)
    assert "class folder '2'" in one_line(error) and "holds no images" in one_line(error)


def test_deleted_digits_are_rebuilt(tmp_path: Path) -> None:
    """Is a deleted or half-written digits folder rebuilt on next use?"""
    from grader.tracks.resnet.data import digits_root

    root = digits_root(tmp_path / "digits")
    (root / "COMPLETE").unlink()
    assert len(list(digits_root(root).glob("*/*/*.png"))) == 1797


def test_data_verb_builds_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Does `mlkata data digits --root DIR` write the ImageFolder and say where?"""
    from grader.cli import main

    assert main(["data", "digits", "--root", str(tmp_path / "d")]) == 0
    assert "train 1437, val 360 images" in capsys.readouterr().out


def test_bank_corrects_the_article_on_imagenet() -> None:
    """Does the ResNet topic hold the article's question, corrected, plus at least 15 more?"""
    from grader.bank import load_bank

    questions = load_bank()["resnet"]
    assert len(questions) >= 16
    article = [q for q in questions if q.from_source]
    assert [q.id for q in article] == ["resnet.cv-large-models"]
    answer = article[0].text["en"].answer
    assert "2015" in answer and "2017" in answer and "did not" in answer
