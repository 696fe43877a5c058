from notes.policy import password_problems


def test_a_strong_password_passes():
    assert password_problems("Correct-Horse-7-Battery") == []


def test_a_weak_password_lists_what_it_lacks():
    assert password_problems("short") == ["at least 12 characters", "an upper-case letter", "a digit", "a symbol"]
