// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// The reference of what cansim's Registry model (src/model/chain/contracts/registry.cpp) stands
// for: the same state, one slot or mapping per field in the model's order, the same checks in the
// same order and the same events. scripts/gas/ runs it on a real EVM to calibrate the model's gas.
contract Registry {
    struct Sig {
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    address public owner;
    uint256 public nmin;
    uint256 public nmax;
    address public leader;
    uint256 public leaderContact;
    uint256 public nonce;
    mapping(address => uint256) public candidate;    // node -> contact (0: not a candidate)
    mapping(address => uint256) public memberIndex;  // node -> index + 1 in memberAt (0: not a member)
    mapping(uint256 => address) public memberAt;
    uint256 public memberCount;
    mapping(uint256 => uint256) public service;      // id -> definition digest
    mapping(uint256 => uint256) public application;  // id -> definition digest
    mapping(address => uint256) public cloud;        // cloud -> 1
    uint256 public ftenPrice;                         // wei per minute
    // The OCAN's (FTEN) share, distributed by availability.
    mapping(address => uint256) public availability; // node -> ms it was a member
    uint256 public availTotal;
    mapping(uint256 => address) public availAt;
    uint256 public availCount;
    uint256 public lastReport;                        // ms of the last report (0: none yet)
    mapping(address => uint256) public ftenOwed;
    uint256 public ftenHeld;

    event CandidateRegistered(address indexed node, uint256 contact);
    event LeaderChanged(uint256 indexed nonce, address indexed leader, uint256 contact);
    event MemberJoined(address indexed node);
    event MemberLeft(address indexed node);
    event ServiceRegistered(uint256 indexed id, uint256 definition);
    event ApplicationRegistered(uint256 indexed id, uint256 definition);
    event CloudRegistered(address indexed cloud, address indexed provider);
    event AvailabilityRecorded(uint256 members, uint256 dt);
    event FtenDistributed(uint256 given);

    constructor(uint256 nmin_, uint256 nmax_) {
        require(nmin_ <= nmax_ && nmax_ >= 1, "expected 1 <= nmax and nmin <= nmax");
        owner = msg.sender;
        nmin = nmin_;
        nmax = nmax_;
    }

    // The FTEN share arrives as plain transfers (Algorithm 6, and an Application's destroy).
    receive() external payable {}

    modifier onlyOwner() {
        require(owner == msg.sender, "only the owner");
        _;
    }

    modifier onlyLeader() {
        require(leader == msg.sender, "only the leader");
        _;
    }

    // Bound to the chain and to this Registry (EIP-712's domain separator does the same): an
    // accept cannot be replayed on another Registry with the same members.
    function acceptDigest(uint256 n, address proposer) public view returns (bytes32) {
        return keccak256(abi.encode(uint256(0xacce97), block.chainid, address(this), n, proposer));
    }

    function setParams(uint256 nmin_, uint256 nmax_) external onlyOwner {
        require(nmin_ <= nmax_ && nmax_ >= 1, "expected 1 <= nmax and nmin <= nmax");
        nmin = nmin_;
        nmax = nmax_;
    }

    function registerCandidate(uint256 contact) external {
        require(contact != 0, "expected contact information");
        candidate[msg.sender] = contact;
        emit CandidateRegistered(msg.sender, contact);
    }

    function addMember(address node) private {
        uint256 count = memberCount;
        memberAt[count] = node;
        memberIndex[node] = count + 1;
        memberCount = count + 1;
    }

    function appointLeader(address first) external onlyOwner {
        require(nonce == 0, "the first leader is already appointed");
        uint256 contact = candidate[first];
        require(contact != 0, "the leader must be a candidate");
        leader = first;
        leaderContact = contact;
        nonce = 1;
        addMember(first);
        emit LeaderChanged(1, first, contact);
    }

    // Beyond the paper: the owner starts a CAN that died again.
    function bootstrap(address first) external onlyOwner {
        uint256 n = nonce;
        require(n != 0, "no leader was appointed yet: use appointLeader");
        uint256 contact = candidate[first];
        require(contact != 0, "the leader must be a candidate");
        for (uint256 count = memberCount; count > 0; --count) {
            address m = memberAt[count - 1];
            memberAt[count - 1] = address(0);
            memberIndex[m] = 0;
            emit MemberLeft(m);
        }
        memberCount = 0;
        leader = first;
        leaderContact = contact;
        nonce = n + 1;
        addMember(first);
        emit MemberJoined(first);
        emit LeaderChanged(n + 1, first, contact);
    }

    // LeadElect's transaction (Algorithm 3): a compare-and-swap on the nonce, backed by signed
    // accepts of more than half of the current members.
    function registerLeader(uint256 n, uint256 contact, Sig[] calldata accepts) external {
        uint256 stored = nonce;
        require(n == stored + 1, "stale nonce: expected the stored nonce + 1");
        require(memberIndex[msg.sender] != 0, "the proposer must be a member");
        uint256 members = memberCount;
        bytes32 message = acceptDigest(n, msg.sender);
        address[] memory counted = new address[](accepts.length);
        uint256 valid = 0;
        // §4: the leader changes only if all accepts are valid; one that is not reverts.
        for (uint256 i = 0; i < accepts.length; ++i) {
            address signer = ecrecover(message, accepts[i].v, accepts[i].r, accepts[i].s);
            require(signer != address(0), "an invalid accept");
            for (uint256 j = 0; j < valid; ++j) {
                require(counted[j] != signer, "a repeated accept");
            }
            require(memberIndex[signer] != 0, "an accept from a non-member");
            counted[valid++] = signer;
        }
        require(2 * valid > members, "expected accepts from more than half of the members");
        leader = msg.sender;
        leaderContact = contact;
        nonce = n;
        emit LeaderChanged(n, msg.sender, contact);
    }

    function registerMember(address member) external onlyLeader {
        require(candidate[member] != 0, "a member must be a candidate");
        require(memberIndex[member] == 0, "already a member");
        require(memberCount < nmax, "the CAN is at Nmax");
        addMember(member);
        emit MemberJoined(member);
    }

    function deregisterMember(address member) external onlyLeader {
        require(member != msg.sender, "the leader cannot remove itself");
        uint256 index = memberIndex[member];
        require(index != 0, "not a member");
        // Swap-remove: the last member takes the removed one's place.
        uint256 count = memberCount;
        address last = memberAt[count - 1];
        memberAt[index - 1] = last;
        memberIndex[last] = index;
        memberAt[count - 1] = address(0);
        memberIndex[member] = 0;
        memberCount = count - 1;
        // Its contact goes too: the Registry points at no one it voted out. It registers again to rejoin.
        candidate[member] = 0;
        emit MemberLeft(member);
    }

    function registerService(uint256 id, uint256 definition) external {
        require(id != 0 && definition != 0, "expected an id and a definition");
        require(service[id] == 0, "id already registered");
        service[id] = definition;
        emit ServiceRegistered(id, definition);
    }

    function registerApplication(uint256 id, uint256 definition) external {
        require(id != 0 && definition != 0, "expected an id and a definition");
        require(application[id] == 0, "id already registered");
        application[id] = definition;
        emit ApplicationRegistered(id, definition);
    }

    // The Registry owns the Clouds (§3): only its owner registers one.
    function registerCloud(address c) external onlyOwner {
        require(cloud[c] == 0, "cloud already registered");
        cloud[c] = 1;
        emit CloudRegistered(c, msg.sender);
    }

    function setFtenPrice(uint256 perMinute) external onlyOwner {
        ftenPrice = perMinute;
    }

    // Each member is credited the time since the last report; the first report starts the clock.
    function recordAvailability() external onlyLeader {
        uint256 now_ = block.timestamp * 1000;
        uint256 last = lastReport;
        lastReport = now_;
        if (last == 0 || now_ <= last) return;
        uint256 dt = now_ - last;
        uint256 count = memberCount;
        for (uint256 i = 0; i < count; ++i) {
            address node = memberAt[i];
            uint256 had = availability[node];
            if (had == 0) {
                uint256 n = availCount;
                availAt[n] = node;
                availCount = n + 1;
            }
            availability[node] = had + dt;
        }
        availTotal = availTotal + dt * count;
        emit AvailabilityRecorded(count, dt);
    }

    // What arrived since the last distribution, each node its share of all recorded
    // availability, rounded down (the dust waits for the next one).
    function distributeFten() external {
        uint256 held = ftenHeld;
        uint256 balance = address(this).balance;
        uint256 fresh = balance > held ? balance - held : 0;
        uint256 total = availTotal;
        if (fresh == 0 || total == 0) return;
        uint256 given = 0;
        uint256 n = availCount;
        for (uint256 i = 0; i < n; ++i) {
            address node = availAt[i];
            uint256 share = fresh * availability[node] / total;
            if (share == 0) continue;
            ftenOwed[node] = ftenOwed[node] + share;
            given += share;
        }
        ftenHeld = held + given;
        emit FtenDistributed(given);
    }

    function withdrawFten() external {
        uint256 amount = ftenOwed[msg.sender];
        require(amount > 0, "nothing to withdraw");
        ftenOwed[msg.sender] = 0;
        ftenHeld = ftenHeld - amount;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
    }
}
