// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Application} from "./Application.sol";

// The reference of what cansim's Cloud model (src/model/chain/contracts/cloud.cpp) stands for:
// a provider's resources, the Scheduler's key and the Plug&Play account, and instantiate, which
// creates an Application with the client's deposit when the Scheduler signed the reservation.
contract Cloud {
    struct Reserved {
        uint256 id;
        uint256 generation;
        uint256 units;
    }

    struct Reservation {
        uint256 id;
        address client;
        uint256 expiresMs;
        uint256 orcPrice;
        uint256 retryLimit;
        uint256 appOkInterval;
        uint256 maxFailed;
        Reserved[] resources;
    }

    struct Terms {
        uint256 orcPrice;
        uint256 retryLimit;
        uint256 appOkInterval;
        uint256 maxFailed;
    }

    // The Scheduler's consent to the client's or the contract's selection (§3.2: "if and only if").
    struct Admission {
        uint256 id;
        address client;
        uint256 expiresMs;
        Terms terms;
    }

    struct Wanted {
        uint256 kind;
        uint256 units;
    }

    address public provider;
    address public registry;
    address public scheduler;
    address public pnp;
    uint256 public schedulerEndpoint;
    uint256 public pnpEndpoint;
    uint256 public price;
    mapping(uint256 => address) public resOwner;
    mapping(uint256 => uint256) public resKind;      // kind | capacity << 8
    mapping(uint256 => uint256) public resPrice;
    mapping(uint256 => uint256) public resGen;       // bumped at every registration
    mapping(uint256 => uint256) public resActive;
    mapping(uint256 => uint256) public resUsed;      // units in use
    mapping(uint256 => uint256) public reservation;  // id -> 1 once instantiated
    mapping(address => uint256) public appResCount;
    mapping(uint256 => uint256) public appRes;       // (application << 64 | i) -> id | units << 64
    uint256 public resCount;
    mapping(uint256 => uint256) public admission;    // id -> 1 once instantiated

    event ResourceRegistered(uint256 indexed id, address indexed owner);
    event ResourceDeregistered(uint256 indexed id);
    event Instantiated(address indexed application, uint256 indexed reservation);
    event Released(address indexed application);
    event ShareWithdrawn(uint256 amount);

    constructor(address registry_, address scheduler_, address pnp_, uint256 schedulerEndpoint_,
                uint256 pnpEndpoint_, uint256 price_) {
        require(scheduler_ != address(0) && pnp_ != address(0), "expected a Scheduler key and a Plug&Play account");
        provider = msg.sender;
        registry = registry_;
        scheduler = scheduler_;
        pnp = pnp_;
        schedulerEndpoint = schedulerEndpoint_;
        pnpEndpoint = pnpEndpoint_;
        price = price_;
    }

    // The Cloud's share of every Application's payments arrives here (destroy sends it).
    receive() external payable {}

    // The provider takes what the contract received: its share, passed on.
    function withdrawShare() external {
        require(provider == msg.sender, "only the provider");
        uint256 amount = address(this).balance;
        require(amount > 0, "nothing to withdraw");
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
        emit ShareWithdrawn(amount);
    }

    modifier onlyPnp() {
        require(pnp == msg.sender, "only the Plug&Play account");
        _;
    }

    function registerResource(uint256 id, address owner, uint256 kind, uint256 capacity, uint256 perMinute) external onlyPnp {
        require(owner != address(0), "expected the resource's owner");
        require(resActive[id] == 0, "resource already registered");
        resOwner[id] = owner;
        resKind[id] = kind | (capacity << 8);
        resPrice[id] = perMinute;
        resGen[id] = resGen[id] + 1;
        resActive[id] = 1;
        if (resCount <= id) resCount = id + 1;
        emit ResourceRegistered(id, owner);
    }

    function deregisterResource(uint256 id) external onlyPnp {
        require(resActive[id] != 0, "no such resource");
        resActive[id] = 0;
        emit ResourceDeregistered(id);
    }

    function reservationDigest(Reservation calldata r) public view returns (bytes32 d) {
        d = keccak256(abi.encode(uint256(0x5e5e), address(this), r.id, r.client, r.expiresMs, r.orcPrice, r.retryLimit,
                                 r.appOkInterval, r.maxFailed, r.resources.length));
        for (uint256 i = 0; i < r.resources.length; ++i) {
            d = keccak256(abi.encode(d, r.resources[i].id, r.resources[i].generation, r.resources[i].units));
        }
    }

    function admissionDigest(Admission calldata a) public view returns (bytes32) {
        return keccak256(abi.encode(uint256(0xad), address(this), a.id, a.client, a.expiresMs, a.terms.orcPrice,
                                    a.terms.retryLimit, a.terms.appOkInterval, a.terms.maxFailed));
    }

    function useAdmission(Admission calldata a, uint8 v, bytes32 rs, bytes32 ss) private {
        require(msg.sender == a.client, "only the admission's client");
        require(ecrecover(admissionDigest(a), v, rs, ss) == scheduler, "the Scheduler did not sign this admission");
        require(block.timestamp * 1000 <= a.expiresMs, "the admission has expired");
        require(admission[a.id] == 0, "the admission was used");
        admission[a.id] = 1;
    }

    // What the three ways of instantiating share: the resources' checks, their units taken, the
    // Application created with the client's deposit, its resource list.
    function createApplication(address client, Terms memory t, Reserved[] memory res, bool checkGenerations)
        private returns (address app)
    {
        require(res.length != 0, "expected at least one resource");
        address[] memory owners = new address[](res.length);
        uint256[] memory prices = new uint256[](res.length);
        for (uint256 i = 0; i < res.length; ++i) {
            uint256 id = res[i].id;
            require(resActive[id] != 0 && (!checkGenerations || resGen[id] == res[i].generation),
                    "a reserved resource was deregistered");
            uint256 capacity = resKind[id] >> 8;
            require(res[i].units > 0 && resUsed[id] + res[i].units <= capacity, "a reserved resource is in use");
            resUsed[id] = resUsed[id] + res[i].units;
            owners[i] = resOwner[id];
            prices[i] = resPrice[id];
        }
        app = address(new Application{value: msg.value}(client, registry, address(this), price, t.orcPrice, t.retryLimit,
                                                        t.appOkInterval, t.maxFailed, owners, prices));
        for (uint256 i = 0; i < res.length; ++i) {
            appRes[(uint256(uint160(app)) << 64) | i] = res[i].id | (res[i].units << 64);
        }
        appResCount[app] = res.length;
    }

    function instantiate(Reservation calldata r, uint8 v, bytes32 rs, bytes32 ss) external payable returns (address app) {
        require(msg.sender == r.client, "only the reservation's client");
        require(ecrecover(reservationDigest(r), v, rs, ss) == scheduler, "the Scheduler did not sign this reservation");
        require(block.timestamp * 1000 <= r.expiresMs, "the reservation has expired");
        require(reservation[r.id] == 0, "the reservation was used");
        reservation[r.id] = 1;
        app = createApplication(r.client, Terms(r.orcPrice, r.retryLimit, r.appOkInterval, r.maxFailed), r.resources, true);
        emit Instantiated(app, r.id);
    }

    // The client selected the resources itself; reverts if one was taken meanwhile.
    function instantiateDirect(Admission calldata a, uint8 v, bytes32 rs, bytes32 ss, Reserved[] calldata resources)
        external payable returns (address app)
    {
        useAdmission(a, v, rs, ss);
        app = createApplication(a.client, a.terms, resources, false);
        emit Instantiated(app, a.id);
    }

    // The contract selects: first fit, in id order, over every resource registered.
    function instantiateSearch(Admission calldata a, uint8 v, bytes32 rs, bytes32 ss, Wanted[] calldata services)
        external payable returns (address app)
    {
        useAdmission(a, v, rs, ss);
        uint256 count = resCount;
        Reserved[] memory chosen = new Reserved[](services.length);
        for (uint256 s = 0; s < services.length; ++s) {
            bool found = false;
            for (uint256 id = 0; id < count && !found; ++id) {
                if (resActive[id] == 0) continue;
                uint256 packed = resKind[id];
                if ((packed & 0xff) != services[s].kind) continue;
                uint256 used = resUsed[id];
                for (uint256 j = 0; j < s; ++j) {
                    if (chosen[j].id == id) used += chosen[j].units;
                }
                if (used + services[s].units <= (packed >> 8)) {
                    chosen[s] = Reserved(id, 0, services[s].units);
                    found = true;
                }
            }
            require(found, "no resource can take a service");
        }
        app = createApplication(a.client, a.terms, chosen, false);
        emit Instantiated(app, a.id);
    }

    // Frees the resources of a shut-down application.
    function release(address app) external {
        require(Application(payable(app)).shutdown() != 0, "the application is not shut down");
        uint256 n = appResCount[app];
        require(n > 0, "nothing to release");
        for (uint256 i = 0; i < n; ++i) {
            uint256 key = (uint256(uint160(app)) << 64) | i;
            uint256 entry = appRes[key];
            appRes[key] = 0;
            uint256 id = uint256(uint64(entry));
            uint256 units = entry >> 64;
            // A resource deregistered and registered again started from 0 units in use.
            uint256 used = resUsed[id];
            resUsed[id] = used >= units ? used - units : 0;
        }
        appResCount[app] = 0;
        emit Released(app);
    }
}
