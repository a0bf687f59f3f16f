"""Passwords hashed with scrypt, stored as "scrypt:N:r:p$salt$hex" (the format werkzeug
writes, so hashes made before this module still verify)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

N, R, P = 2**15, 8, 1
SALT_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _scrypt(password: str, salt: str, n: int, r: int, p: int) -> str:
    return hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p,
                          maxmem=132 * n * r * p).hex()


def hash_password(password: str) -> str:
    salt = "".join(secrets.choice(SALT_CHARS) for _ in range(16))
    return f"scrypt:{N}:{R}:{P}${salt}${_scrypt(password, salt, N, R, P)}"


def check_password(stored: str, password: str) -> bool:
    try:
        method, salt, digest = stored.split("$", 2)
        name, n, r, p = method.split(":")
        if name != "scrypt":
            return False
        return hmac.compare_digest(_scrypt(password, salt, int(n), int(r), int(p)), digest)
    except (ValueError, MemoryError):
        return False


# --- how strong a new password must be ------------------------------------------------------

MIN_LENGTH = 12
MAX_LENGTH = 200     # scrypt of a longer one costs no more, but nobody types one
MIN_SCORE = 3        # zxcvbn: 0-2 "too guessable" … "somewhat guessable", 3 "safely unguessable"
_ESTIMATED = 72      # zxcvbn's own limit; the first 72 characters must be strong on their own

_WARNINGS = {  # zxcvbn's feedback, in Danish
    "Straight rows of keys are easy to guess.": "Rækker af taster ved siden af hinanden er lette at gætte.",
    "Short keyboard patterns are easy to guess.": "Korte tastaturmønstre er lette at gætte.",
    'Repeats like "aaa" are easy to guess.': "Gentagelser som \"aaa\" er lette at gætte.",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        "Gentagelser som \"abcabcabc\" er næsten lige så lette at gætte som \"abc\".",
    "Sequences like abc or 6543 are easy to guess.": "Følger som abc eller 6543 er lette at gætte.",
    "Recent years are easy to guess.": "Årstal er lette at gætte.",
    "Dates are often easy to guess.": "Datoer er lette at gætte.",
    "This is a top-10 common password.": "Det er en af de mest brugte adgangskoder.",
    "This is a top-100 common password.": "Det er en af de mest brugte adgangskoder.",
    "This is a very common password.": "Det er en meget almindelig adgangskode.",
    "This is similar to a commonly used password.": "Den ligner en almindelig adgangskode.",
    "A word by itself is easy to guess.": "Et enkelt ord er let at gætte.",
    "Names and surnames by themselves are easy to guess.": "Navne alene er lette at gætte.",
    "Common names and surnames are easy to guess.": "Almindelige navne er lette at gætte.",
}


def weakness(password: str, personal: tuple[str, ...] = ()) -> str | None:
    """Why a new password may not be used (Danish), or None: at least MIN_LENGTH characters,
    and not rated weak by zxcvbn (score below MIN_SCORE), also knowing the user's name."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_LENGTH:
        return f"Adgangskoden skal være mindst {MIN_LENGTH} tegn."
    if len(password) > MAX_LENGTH:
        return f"Adgangskoden må højst være {MAX_LENGTH} tegn."
    if not password.strip():
        return "Adgangskoden må ikke kun være mellemrum."
    inputs = [part for word in personal if word for part in [word, *word.replace("_", " ").split()]]
    result = zxcvbn(password[:_ESTIMATED], user_inputs=inputs + ["formservice"])
    if result["score"] >= MIN_SCORE:
        return None
    warning = _WARNINGS.get(result["feedback"].get("warning") or "", "")
    return ("Adgangskoden er for let at gætte. " + (warning + " " if warning else "")
            + "Brug fx tre eller fire tilfældige ord, gerne med tal eller tegn imellem.")
