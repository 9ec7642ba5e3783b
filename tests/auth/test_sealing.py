import pytest

from accord.auth import SealedSecretError, derive_sealing_key, open_secret, seal_secret

KEY = derive_sealing_key(b"\x01" * 32)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_sealed_secret_opens_for_its_user() -> None:
    sealed = seal_secret(KEY, "anna", SECRET)
    assert SECRET.encode() not in sealed
    assert open_secret(KEY, "anna", sealed) == SECRET


def test_each_sealing_differs() -> None:
    assert seal_secret(KEY, "anna", SECRET) != seal_secret(KEY, "anna", SECRET)


def test_sealed_secret_does_not_open_for_another_user() -> None:
    sealed = seal_secret(KEY, "anna", SECRET)
    with pytest.raises(SealedSecretError):
        open_secret(KEY, "bert", sealed)


def test_altered_or_foreign_sealed_secret_does_not_open() -> None:
    sealed = bytearray(seal_secret(KEY, "anna", SECRET))
    sealed[-1] ^= 1
    with pytest.raises(SealedSecretError):
        open_secret(KEY, "anna", bytes(sealed))
    other = derive_sealing_key(b"\x02" * 32)
    with pytest.raises(SealedSecretError):
        open_secret(other, "anna", seal_secret(KEY, "anna", SECRET))
