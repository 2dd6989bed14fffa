// deliveryd: keeps the delivery status of SMS and Zalo ZNS messages true.
#include "deliveryd/app/cli.hpp"

int main(int argc, char** argv) {
    return deliveryd::app::main(argc, argv);
}
