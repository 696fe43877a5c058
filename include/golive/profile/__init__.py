"""The application profile: ``golive.yaml`` (model, loader, JSON schema) and its detection from a tree."""

from golive.profile.load import ProfileError, ResolvedProfile, load_profile, parse_profile
from golive.profile.model import HTTP_KINDS, ApplicationProfile

__all__ = ["HTTP_KINDS", "ApplicationProfile", "ProfileError", "ResolvedProfile", "load_profile", "parse_profile"]
