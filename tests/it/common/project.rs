//! A copy of the project to edit (the `--watch` test and the edit-loop bench both use it; the
//! bench includes this file by path, as it is a crate of its own).

use std::path::Path;

/// Copies the workspace's sources (not build output, not git) into `to`.
pub fn copy_project(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_project(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
