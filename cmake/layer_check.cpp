// Linked with one layer's whole library and only the layers below it: a lower layer that uses
// a higher one's code fails to link here (see CMakeLists.txt).
int main() { return 0; }
