"""Name patterns shared by every model (no imports: the models of each package build on it)."""

#: A Kubernetes DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric.
DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
